#include "ir/verifier.h"

#include <unordered_set>

namespace actrt::ir {

Status verify_graph(const Graph& graph, const VerifyOptions& options) {
  std::unordered_set<const Value*> available;
  std::unordered_set<std::string> node_names, value_names;
  for (const Value* v : graph.inputs()) {
    if (!v) return invalid_model("graph input list holds a null value");
    available.insert(v);
  }
  auto check_shape = [&](const Value* v, const Node* n) -> Status {
    if (options.require_shapes && (!v->has_shape() || v->dtype() == DataType::kUndefined))
      return invalid_model((n ? n->describe() + ": " : std::string()) + "value '" + v->name() +
                           "' has no inferred dtype/shape");
    return ok_status();
  };
  for (const auto& n : graph.nodes()) {
    if (!node_names.insert(n->name()).second)
      return invalid_model("two nodes are named '" + n->name() + "'");
    for (const Value* v : n->inputs()) {
      if (!v) continue;
      if (!v->is_constant() && !available.count(v))
        return invalid_model(n->describe() + ": input '" + v->name() +
                             "' is neither a graph input, a constant nor the output of an earlier "
                             "node (cycle, wrong order or dangling value)");
      RETURN_IF_ERROR(check_shape(v, n.get()));
    }
    for (const Value* v : n->outputs()) {
      if (!v) continue;
      if (v->producer() != n.get())
        return invalid_model(n->describe() + ": output '" + v->name() +
                             "' does not name this node as its producer");
      // (A constant output is fine: infer_shapes attaches folded data before fold_constants
      // removes the node; the producer check above already ties it to this node.)
      if (available.count(v))
        return invalid_model(n->describe() + ": output '" + v->name() +
                             "' is already defined elsewhere (values have one producer)");
      if (!value_names.insert(v->name()).second)
        return invalid_model(n->describe() + ": two values are named '" + v->name() + "'");
      available.insert(v);
    }
  }
  for (const Value* v : graph.outputs()) {
    if (!v) return invalid_model("graph output list holds a null value");
    if (!v->is_constant() && !available.count(v))
      return invalid_model("graph output '" + v->name() + "' is not produced by any node");
    RETURN_IF_ERROR(check_shape(v, nullptr));
  }
  return ok_status();
}

}  // namespace actrt::ir
