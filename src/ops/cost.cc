#include "ops/cost.h"

#include <string>

#include "ops/op_registry.h"
#include "ops/op_traits.h"

namespace actrt::ops {

namespace {
int64_t numel_of(const ir::Value* v) { return v && v->has_shape() ? shape_numel(v->shape()) : 0; }

// Ops that move or compute no data arithmetically: their cost is bytes, not flops.
bool moves_data_only(const ir::Node& node) {
  return has_trait(node, OpTrait::kDataMovement) || has_trait(node, OpTrait::kShapeComputation);
}
}  // namespace

int64_t estimate_flops(const ir::Node& node) {
  const std::string& op = node.op_type();
  const ir::Value* out = node.output(0);
  if (!out || !out->has_shape()) return 0;
  const int64_t out_numel = shape_numel(out->shape());
  if (op == "Conv") {
    const ir::Value* w = node.input(1);
    if (!w || !w->has_shape()) return 0;
    // Each output element is a dot product over (Cin / group) * prod(kernel).
    int64_t per_output = 1;
    for (size_t i = 1; i < w->shape().size(); ++i) per_output *= w->shape()[i];
    return 2 * out_numel * per_output;
  }
  if (op == "MatMul" || op == "Gemm") {
    const ir::Value* a = node.input(0);
    if (!a || !a->has_shape() || a->shape().empty()) return 0;
    int64_t k = a->shape().back();
    if (op == "Gemm") {
      auto trans_a = node.attr_int("transA", 0);
      if (trans_a.ok() && trans_a.value() && a->shape().size() == 2) k = a->shape()[0];
    }
    return 2 * out_numel * k + (node.input(2) ? out_numel : 0);
  }
  if (op == "LayerNormalization" || op == "BatchNormalization" || op == "Softmax") return 5 * out_numel;
  if (op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool" ||
      op.rfind("Reduce", 0) == 0 || op == "CumSum")
    return numel_of(node.input(0));
  if (moves_data_only(node)) return 0;
  return out_numel;
}

int64_t estimate_bytes(const ir::Node& node) {
  int64_t bytes = 0;
  for (const ir::Value* v : node.inputs())
    if (v && v->has_shape()) bytes += numel_of(v) * static_cast<int64_t>(dtype_size(v->dtype()));
  for (const ir::Value* v : node.outputs())
    if (v && v->has_shape()) bytes += numel_of(v) * static_cast<int64_t>(dtype_size(v->dtype()));
  return bytes;
}

}  // namespace actrt::ops
