#include "passes/fold_qdq.h"

#include <cmath>

#include "actrt/log.h"
#include "passes/pass_util.h"

namespace actrt::passes {

namespace {

using detail::is_op;

// The positive finite scalar scale of input `i`, or a reason it is not one.
std::string scalar_scale(const ir::Node& n, size_t i, float& out) {
  const ir::Value* s = n.input(i);
  if (!s || !s->is_constant()) return "its scale is not a constant";
  const Tensor& t = s->constant();
  if (t.numel() != 1) return "its scale has " + std::to_string(t.numel()) + " elements (per-axis)";
  if (t.dtype() != DataType::kFloat32) return "its scale is not float32";
  out = t.data<float>()[0];
  if (!(out > 0.0f) || !std::isfinite(out)) return "its scale " + std::to_string(out) + " is not > 0";
  return "";
}

// Empty when the zero point (input 2) is an int8 constant of zeros, else why not.
std::string zero_point_ok(const ir::Node& n) {
  const ir::Value* zp = n.input(2);
  if (!zp) return "it has no zero point (ONNX then quantizes to uint8, asymmetric)";
  if (!zp->is_constant()) return "its zero point is not a constant";
  const Tensor& t = zp->constant();
  if (t.dtype() != DataType::kInt8) return "its zero point is not int8";
  for (int64_t i = 0; i < t.numel(); ++i)
    if (t.data<int8_t>()[i] != 0) return "its zero point is not 0";
  return "";
}

bool is_view(const ir::Node* n) {
  for (const char* op : {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose"})
    if (is_op(n, op)) return true;
  return false;
}

}  // namespace

Result<QdqFold> fold_qdq(ir::Graph& graph) {
  QdqFold out;
  RETURN_IF_ERROR(graph.topological_sort());
  auto uses = graph.build_uses();
  std::vector<ir::Node*> nodes;
  for (const auto& n : graph.nodes()) nodes.push_back(n.get());
  for (ir::Node* dq : nodes) {
    if (!is_op(dq, "DequantizeLinear")) continue;
    ir::Node* q = dq->input(0) ? dq->input(0)->producer() : nullptr;
    if (!is_op(q, "QuantizeLinear")) continue;  // a weight DQ, or DQ of a graph input
    ir::Value* x = q->input(0);
    float sq = 0, sd = 0;
    std::string why = scalar_scale(*q, 1, sq);
    if (why.empty()) why = scalar_scale(*dq, 1, sd);
    if (why.empty() && sq != sd)
      why = "QuantizeLinear and DequantizeLinear scales differ (" + std::to_string(sq) + " vs " +
            std::to_string(sd) + ")";
    if (why.empty()) why = zero_point_ok(*q);
    if (why.empty()) why = zero_point_ok(*dq);
    if (why.empty() && (!x || x->dtype() != DataType::kFloat32))
      why = "its input is not float32";
    if (why.empty() && graph.is_graph_output(dq->output(0)))
      why = "its output is a graph output";
    if (!why.empty()) {
      log_warning("Q/DQ pair " + q->name() + " -> " + dq->name() + " stays floating point (" +
                  why + "): readers of '" + dq->output(0)->name() + "' run without INT8 kernels");
      continue;
    }
    if (auto [it, inserted] = out.scales.emplace(x->name(), sq); !inserted && it->second != sq)
      log_warning("tensor '" + x->name() + "' is quantized by two Q/DQ pairs with scales " +
                  std::to_string(it->second) + " and " + std::to_string(sq) + "; using the first");
    graph.replace_all_uses(dq->output(0), x);
    graph.remove_node(dq);
    bool q_read_elsewhere = graph.is_graph_output(q->output(0));
    for (const ir::Node* u : uses[q->output(0)]) q_read_elsewhere |= u != dq;
    if (!q_read_elsewhere) graph.remove_node(q);
    ++out.pairs;
  }
  graph.compact();
  RETURN_IF_ERROR(graph.topological_sort());
  // Views keep values, hence the scale.
  for (const auto& n : graph.nodes()) {
    if (!is_view(n.get()) || !n->input(0) || !n->output(0)) continue;
    auto it = out.scales.find(n->input(0)->name());
    if (it != out.scales.end()) out.scales.emplace(n->output(0)->name(), it->second);
  }
  return out;
}

}  // namespace actrt::passes
