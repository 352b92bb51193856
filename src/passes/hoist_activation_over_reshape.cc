#include "passes/hoist_activation_over_reshape.h"

#include "ops/op_traits.h"
#include "passes/pass_util.h"

namespace actrt::passes {

namespace {
bool is_unary_activation(const ir::Node* n) {
  return ops::has_trait(*n, ops::OpTrait::kActivation) && n->inputs().size() == 1 &&
         n->outputs().size() == 1;
}
}  // namespace

Result<PassReport> hoist_activation_over_reshape(ir::Graph& graph) {
  size_t before = detail::begin_pass(graph);
  int rewrites = 0;
  detail::Uses uses = graph.build_uses();
  std::vector<ir::Node*> acts;
  for (const auto& n : graph.nodes())
    if (is_unary_activation(n.get())) acts.push_back(n.get());
  for (ir::Node* act : acts) {
    ir::Value* viewed = act->input(0);
    ir::Node* view = viewed ? viewed->producer() : nullptr;
    if (!view || !ops::is_reshape(*view) || !detail::has_single_consumer(graph, uses, viewed)) continue;
    ir::Value* x = view->input(0);
    ir::Value* y = act->output(0);
    if (!x || x->is_constant() || !x->has_shape() || x->dtype() != viewed->dtype()) continue;
    // Act reads x and writes a new value of x's shape; the view reads that and writes y.
    ir::Value* activated = graph.add_value(graph.make_unique_name(x->name() + "/" + act->op_type()));
    activated->set_dtype(x->dtype());
    activated->set_shape(x->shape());
    act->inputs()[0] = x;
    act->outputs()[0] = activated;
    activated->set_producer(act);
    view->inputs()[0] = activated;
    view->outputs()[0] = y;
    y->set_producer(view);
    viewed->set_producer(nullptr);
    ++rewrites;
  }
  return detail::finish_pass(graph, before, rewrites);
}

}  // namespace actrt::passes
