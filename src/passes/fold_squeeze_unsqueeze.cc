#include "passes/fold_squeeze_unsqueeze.h"

#include "passes/pass_util.h"

namespace actrt::passes {

namespace {
using detail::is_op;

bool is_squeeze_or_unsqueeze(const ir::Node* n) {
  return is_op(n, "Squeeze") || is_op(n, "Unsqueeze");
}
}  // namespace

Result<PassReport> fold_squeeze_unsqueeze(ir::Graph& graph) {
  size_t before = detail::begin_pass(graph);
  int rewrites = 0;
  std::vector<ir::Node*> candidates;
  for (const auto& n : graph.nodes())
    if (is_squeeze_or_unsqueeze(n.get())) candidates.push_back(n.get());
  for (ir::Node* n : candidates) {
    ir::Value* out = n->output(0);
    ir::Value* mid = n->input(0);
    ir::Node* inner = mid ? mid->producer() : nullptr;
    // The opposite op only: two Squeezes (or two Unsqueezes) can never restore the shape.
    if (!inner || !is_squeeze_or_unsqueeze(inner) || inner->op_type() == n->op_type()) continue;
    ir::Value* x = inner->input(0);
    if (!out || !x || !out->has_shape() || !x->has_shape() || out->shape() != x->shape()) continue;
    if (out->dtype() != x->dtype()) continue;
    if (graph.is_graph_output(out)) {
      if (!detail::can_substitute(graph, out, x)) continue;
      graph.remove_node(n);
      if (!detail::substitute_value(graph, out, x))
        return internal_error("fold_squeeze_unsqueeze: could not substitute " + out->describe());
    } else {
      graph.remove_node(n);
      graph.replace_all_uses(out, x);
    }
    ++rewrites;
  }
  return detail::finish_pass(graph, before, rewrites);
}

}  // namespace actrt::passes
