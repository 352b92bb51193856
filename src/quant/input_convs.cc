#include "quant/input_convs.h"

#include <unordered_set>

namespace actrt::quant {

namespace {

bool is_matrix_op(const ir::Node& n) {
  return n.domain().empty() &&
         (n.op_type() == "Conv" || n.op_type() == "MatMul" || n.op_type() == "Gemm");
}

}  // namespace

std::set<std::string> input_convs(const ir::Graph& graph) {
  // Values computed from a graph input without a Conv / MatMul / Gemm on the way, in
  // topological order (the graph's node order after the passes and the importer).
  std::unordered_set<const ir::Value*> raw;
  for (const ir::Value* in : graph.inputs())
    if (!in->is_constant()) raw.insert(in);
  std::set<std::string> out;
  for (const auto& n : graph.nodes()) {
    bool reads_raw = false;
    for (const ir::Value* v : n->inputs()) reads_raw |= v && raw.count(v) > 0;
    if (!reads_raw) continue;
    if (is_matrix_op(*n)) {
      if (n->op_type() == "Conv" && n->input(0) && raw.count(n->input(0))) out.insert(n->name());
      continue;
    }
    for (const ir::Value* v : n->outputs())
      if (v) raw.insert(v);
  }
  return out;
}

}  // namespace actrt::quant
