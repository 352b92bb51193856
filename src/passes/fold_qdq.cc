#include "passes/fold_qdq.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <vector>

#include "actrt/log.h"
#include "ops/op_traits.h"
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

// A view or Transpose: the same values, so the same scale (ops/op_traits.h).
bool keeps_values(const ir::Node* n) { return n && ops::keeps_values(*n); }

using Uses = std::unordered_map<const ir::Value*, std::vector<ir::Node*>>;

// Whether reader `r` of `v` quantizes v itself when it runs INT8, so that it may read the
// unrounded tensor: a Conv / MatMul / Gemm reading v as input 0 (only) with a constant input 1 (a
// weight), or a view of v whose output is no graph output and whose every reader is one
// (recursively). A product of two activations (attention) is not: backends run it in floating
// point, where dropping the pair would change the model's result.
bool int8_reader(const ir::Graph& g, const Uses& uses, const ir::Node* r, const ir::Value* v,
                 int depth = 0) {
  if (!r || depth > 8) return false;
  for (size_t i = 1; i < r->inputs().size(); ++i)
    if (r->input(i) == v) return false;
  if (r->input(0) != v) return false;
  if (is_op(r, "Conv") || is_op(r, "MatMul") || is_op(r, "Gemm"))
    return r->input(1) && r->input(1)->is_constant();
  if (!keeps_values(r) || !r->output(0) || g.is_graph_output(r->output(0))) return false;
  auto it = uses.find(r->output(0));
  if (it == uses.end() || it->second.empty()) return false;
  for (const ir::Node* u : it->second)
    if (!int8_reader(g, uses, u, r->output(0), depth + 1)) return false;
  return true;
}

}  // namespace

Result<QdqFold> fold_qdq(ir::Graph& graph) {
  QdqFold out;
  RETURN_IF_ERROR(graph.topological_sort());
  auto uses = graph.build_uses();
  std::vector<ir::Node*> nodes;
  for (const auto& n : graph.nodes()) nodes.push_back(n.get());
  std::vector<std::string> kept;  // symmetric pairs with no INT8 reader
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
      ++out.kept;
      continue;
    }
    // Readers that quantize x themselves read x; the others keep the pair's rounding.
    ir::Value* y = dq->output(0);
    std::vector<ir::Node*> moved;
    bool dq_read_elsewhere = graph.is_graph_output(y);
    for (ir::Node* u : uses[y]) {
      if (std::find(moved.begin(), moved.end(), u) != moved.end()) continue;
      if (int8_reader(graph, uses, u, y)) moved.push_back(u);
      else dq_read_elsewhere = true;
    }
    if (moved.empty()) {
      kept.push_back(q->name() + " -> " + dq->name());
      continue;
    }
    if (auto [it, inserted] = out.scales.emplace(x->name(), sq); !inserted && it->second != sq)
      log_warning("tensor '" + x->name() + "' is quantized by two Q/DQ pairs with scales " +
                  std::to_string(it->second) + " and " + std::to_string(sq) + "; using the first");
    for (ir::Node* u : moved)
      for (ir::Value*& in : u->inputs())
        if (in == y) in = x;
    ++out.pairs;
    if (dq_read_elsewhere) {
      ++out.kept;
      continue;
    }
    graph.remove_node(dq);
    bool q_read_elsewhere = graph.is_graph_output(q->output(0));
    for (const ir::Node* u : uses[q->output(0)]) q_read_elsewhere |= u != dq;
    if (!q_read_elsewhere) graph.remove_node(q);
  }
  if (!kept.empty()) {
    out.kept += static_cast<int>(kept.size());
    std::string names;
    for (size_t i = 0; i < kept.size() && i < 4; ++i) names += (i ? ", " : "") + kept[i];
    if (kept.size() > 4) names += ", ...";
    log_info(std::to_string(kept.size()) + " Q/DQ pair(s) kept with the model's rounding, their "
             "readers run in floating point (not Conv / MatMul / Gemm with a weight): " + names);
  }
  graph.compact();
  RETURN_IF_ERROR(graph.topological_sort());
  // Views keep values, hence the scale.
  for (const auto& n : graph.nodes()) {
    if (!keeps_values(n.get()) || !n->input(0) || !n->output(0)) continue;
    auto it = out.scales.find(n->input(0)->name());
    if (it != out.scales.end()) out.scales.emplace(n->output(0)->name(), it->second);
  }
  return out;
}

}  // namespace actrt::passes
