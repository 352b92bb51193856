#include "passes/merge_split_concat.h"

#include <optional>

#include "passes/pass_util.h"

namespace actrt::passes {

namespace {
using detail::is_op;

// The normalized axis of a Concat or Split `n` for tensors of rank `rank`.
std::optional<int64_t> axis_of(const ir::Node& n, int64_t rank) {
  auto axis = n.attr_int("axis", 0);
  if (!axis.ok()) return std::nullopt;
  return detail::normalize_axis(*axis, rank);
}

// Which output of its producer `v` is (the producer must be a Split).
std::optional<size_t> split_slot(const ir::Value* v) {
  const ir::Node* p = v ? v->producer() : nullptr;
  if (!is_op(p, "Split")) return std::nullopt;
  for (size_t i = 0; i < p->outputs().size(); ++i)
    if (p->outputs()[i] == v) return i;
  return std::nullopt;
}

// The Split's input when `inputs[begin..]` starts with all of that Split's outputs in order,
// split along `axis` of tensors of rank `rank`; nullptr otherwise.
ir::Value* whole_split_at(const std::vector<ir::Value*>& inputs, size_t begin, int64_t axis,
                          int64_t rank) {
  auto slot = split_slot(inputs[begin]);
  if (!slot || *slot != 0) return nullptr;
  const ir::Node* split = inputs[begin]->producer();
  ir::Value* x = split->input(0);
  size_t n = split->outputs().size();
  if (!x || !x->has_shape() || static_cast<int64_t>(x->shape().size()) != rank) return nullptr;
  auto split_axis = axis_of(*split, rank);
  if (!split_axis || *split_axis != axis || begin + n > inputs.size()) return nullptr;
  for (size_t k = 0; k < n; ++k)
    if (inputs[begin + k] != split->outputs()[k]) return nullptr;
  return x;
}
}  // namespace

Result<PassReport> merge_split_concat(ir::Graph& graph) {
  size_t before = detail::begin_pass(graph);
  int rewrites = 0;
  std::vector<ir::Node*> concats;
  for (const auto& n : graph.nodes())
    if (is_op(n.get(), "Concat")) concats.push_back(n.get());
  for (ir::Node* c : concats) {
    ir::Value* out = c->output(0);
    if (!out || !out->has_shape()) continue;
    int64_t rank = static_cast<int64_t>(out->shape().size());
    auto axis = axis_of(*c, rank);
    if (!axis) continue;
    std::vector<ir::Value*> merged;
    int runs = 0;
    const std::vector<ir::Value*>& in = c->inputs();
    for (size_t k = 0; k < in.size();) {
      if (ir::Value* x = in[k] ? whole_split_at(in, k, *axis, rank) : nullptr) {
        k += in[k]->producer()->outputs().size();
        merged.push_back(x);
        ++runs;
      } else {
        merged.push_back(in[k]);
        ++k;
      }
    }
    if (runs == 0) continue;
    if (merged.size() == 1 && merged[0]->dtype() == out->dtype() &&
        (!graph.is_graph_output(out) || detail::can_substitute(graph, out, merged[0]))) {
      graph.remove_node(c);
      if (graph.is_graph_output(out)) {
        if (!detail::substitute_value(graph, out, merged[0]))
          return internal_error("merge_split_concat: could not substitute " + out->describe());
      } else {
        graph.replace_all_uses(out, merged[0]);
      }
    } else {
      c->inputs() = std::move(merged);
    }
    rewrites += runs;
  }
  return detail::finish_pass(graph, before, rewrites);
}

}  // namespace actrt::passes
