#include "passes/infer_shapes.h"

#include <map>

#include "backends/reference/executor.h"
#include "core/limits.h"
#include "ops/op_registry.h"

namespace actrt::passes {

Status check_supported(const ir::Graph& graph) {
  // Group by op type so that the message reads well on large models.
  std::map<std::string, std::vector<std::string>> by_op;
  size_t count = 0;
  for (const auto& n : graph.nodes()) {
    if (ops::find_op(n->domain(), n->op_type())) continue;
    const std::string op = n->domain().empty() ? n->op_type() : n->domain() + "::" + n->op_type();
    by_op[op].push_back(n->name());
    ++count;
  }
  if (count == 0) return ok_status();
  std::string msg = std::to_string(count) + " unsupported node" + (count > 1 ? "s" : "") + ": ";
  bool first = true;
  for (const auto& [op, names] : by_op) {
    for (const auto& name : names) {
      msg += (first ? "" : ", ") + op + " '" + name + "'";
      first = false;
    }
  }
  return unsupported(msg);
}

namespace {

bool all_inputs_constant(const ir::Node& n) {
  for (const ir::Value* v : n.inputs())
    if (v && !v->is_constant()) return false;
  return true;
}

bool outputs_fit(const ir::Node& n, int64_t max_bytes) {
  for (const ir::Value* v : n.outputs()) {
    if (!v) continue;
    if (!v->has_shape()) return false;
    if (static_cast<int64_t>(shape_numel(v->shape()) * dtype_size(v->dtype())) > max_bytes)
      return false;
  }
  return true;
}

bool outputs_constant(const ir::Node& n) {
  for (const ir::Value* v : n.outputs())
    if (v && !v->is_constant()) return false;
  return true;
}

// Evaluates `node` on constant inputs (or, for Shape, on a stand-in of the right shape: the
// Shape kernel reads only the shape) and attaches the results as constants.
Status propagate_constants(ir::Node& node, int64_t opset) {
  std::vector<Tensor> stand_ins;
  std::vector<const Tensor*> args;
  stand_ins.reserve(node.inputs().size());
  for (const ir::Value* v : node.inputs()) {
    if (!v) {
      args.push_back(nullptr);
    } else if (v->is_constant()) {
      args.push_back(&v->constant());
    } else {
      // No storage: Shape reads only the shape, and the tensor may be large.
      stand_ins.push_back(Tensor::wrap_external(DataType::kBool, v->shape(), nullptr, nullptr));
      args.push_back(&stand_ins.back());
    }
  }
  ASSIGN_OR_RETURN(std::vector<Tensor> outputs, reference::evaluate_node(node, args, opset));
  for (size_t i = 0; i < node.outputs().size(); ++i)
    if (node.outputs()[i]) node.outputs()[i]->set_constant(std::move(outputs[i]));
  return ok_status();
}

}  // namespace

Status infer_shapes(ir::Graph& graph, const InferOptions& options) {
  RETURN_IF_ERROR(check_supported(graph));
  RETURN_IF_ERROR(graph.topological_sort());
  for (const ir::Value* in : graph.inputs()) {
    if (in->has_shape()) continue;
    std::string dims;
    for (const auto& p : in->dim_params()) dims += (dims.empty() ? "" : ",") + (p.empty() ? "?" : p);
    return invalid_argument("input '" + in->name() + "' has symbolic or unknown dimensions [" +
                            dims + "]; give concrete shapes, e.g. --shapes " + in->name() +
                            ":1x3x480x640");
  }
  for (const auto& node_ptr : graph.nodes()) {
    ir::Node& node = *node_ptr;
    for (const ir::Value* v : node.inputs())
      if (v && !v->has_shape())
        return internal_error(node.describe() + ": input " + v->describe() +
                              " has no shape although its producer was inferred");
    const ops::OpSchema* schema = ops::find_op(node.domain(), node.op_type());
    ops::InferContext ctx(node, graph.opset());
    const bool was_constant = outputs_constant(node);
    RETURN_IF_ERROR(schema->infer(ctx));
    for (const ir::Value* v : node.outputs())
      if (v && (!v->has_shape() || v->dtype() == DataType::kUndefined))
        return internal_error(node.describe() + ": inference left output '" + v->name() +
                              "' without dtype or shape");
    // Every shape the graph will hold passes the tensor limits here, once, before any pass
    // folds or any backend allocates it (ConstantOfShape, Expand, Tile, --shapes).
    for (const ir::Value* v : node.outputs())
      if (v) RETURN_IF_ERROR(limits::check_shape(v->shape(), v->dtype(),
                                                 node.describe() + ": output '" + v->name() + "'"));
    if (was_constant) continue;  // already folded in an earlier run; inputs are unchanged
    const bool foldable = all_inputs_constant(node) || node.op_type() == "Shape";
    if (foldable && outputs_fit(node, options.max_folded_bytes))
      RETURN_IF_ERROR(propagate_constants(node, graph.opset()));
  }
  return ok_status();
}

}  // namespace actrt::passes
