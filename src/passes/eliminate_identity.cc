#include "passes/eliminate_identity.h"

#include "passes/pass_util.h"

namespace actrt::passes {

namespace {
using detail::is_op;

// True when `n` is a Dropout that is a no-op: inference mode and nobody reads its mask.
bool is_inference_dropout(const ir::Graph& g, const detail::Uses& uses, const ir::Node& n) {
  if (const ir::Value* mode = n.input(2)) {
    auto v = detail::scalar_of(mode);
    if (!v || *v != 0.0) return false;  // training mode, or not known to be off
  }
  if (const ir::Value* mask = n.output(1))
    if (g.is_graph_output(mask) || !detail::consumers(uses, mask).empty()) return false;
  return true;
}
}  // namespace

Result<PassReport> eliminate_identity(ir::Graph& graph) {
  size_t before = detail::begin_pass(graph);
  int rewrites = 0;
  detail::Uses uses = graph.build_uses();
  std::vector<ir::Node*> candidates;
  for (const auto& n : graph.nodes())
    if (is_op(n.get(), "Identity") || is_op(n.get(), "Dropout")) candidates.push_back(n.get());
  // Nodes in topological order: in a chain Identity(Identity(x)) the first removal rewires the
  // second one's input to x before the second is looked at.
  for (ir::Node* n : candidates) {
    ir::Value* in = n->input(0);
    ir::Value* out = n->output(0);
    if (!in || !out) continue;
    if (is_op(n, "Dropout") && !is_inference_dropout(graph, uses, *n)) continue;
    if (in->dtype() != out->dtype() && out->dtype() != DataType::kUndefined) continue;
    if (graph.is_graph_output(out)) {
      // Detach n first so that substitute_value moves x's producer onto the output value.
      ir::Node* p = in->producer();
      if (!p || graph.is_graph_output(in)) continue;
      graph.remove_node(n);
      if (!detail::substitute_value(graph, out, in)) return internal_error(
          "eliminate_identity: could not substitute " + out->describe());
    } else {
      graph.remove_node(n);
      graph.replace_all_uses(out, in);
    }
    ++rewrites;
  }
  return detail::finish_pass(graph, before, rewrites);
}

}  // namespace actrt::passes
