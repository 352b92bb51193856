// Shape inference for shape computation and constants: Shape, ConstantOfShape, Range, Constant.
#include <algorithm>
#include <cmath>
#include <string>

#include "ops/constant_value.h"
#include "ops/op_registry.h"

namespace actrt::ops {

Result<Tensor> constant_node_value(const ir::Node& node) {
  for (const char* name : {"sparse_value", "value_string", "value_strings"})
    if (node.has_attribute(name))
      return unsupported(node.describe() + ": attribute '" + name +
                         "' is not supported (actrt has no sparse or string tensors)");
  int present = 0;
  for (const char* name : {"value", "value_float", "value_floats", "value_int", "value_ints"})
    present += node.has_attribute(name) ? 1 : 0;
  if (present != 1)
    return invalid_model(node.describe() + ": expected exactly one of the attributes value, "
                         "value_float, value_floats, value_int, value_ints; found " +
                         std::to_string(present));
  const auto& attrs = node.attributes();
  if (auto it = attrs.find("value"); it != attrs.end()) {
    if (it->second.kind != ir::AttrKind::kTensor)
      return invalid_model(node.describe() + ": attribute 'value' is " +
                           std::string(ir::attr_kind_name(it->second.kind)) +
                           ", expected a tensor");
    if (it->second.t.empty())
      return invalid_model(node.describe() + ": attribute 'value' holds no tensor");
    return it->second.t;
  }
  if (node.has_attribute("value_float")) {
    ASSIGN_OR_RETURN(float v, node.attr_float("value_float", 0.0f));
    return Tensor::from_vector(DataType::kFloat32, {}, std::vector<float>{v});
  }
  if (node.has_attribute("value_floats")) {
    ASSIGN_OR_RETURN(std::vector<float> v, node.attr_floats("value_floats", {}));
    return Tensor::from_vector(DataType::kFloat32, {static_cast<int64_t>(v.size())}, v);
  }
  if (node.has_attribute("value_int")) {
    ASSIGN_OR_RETURN(int64_t v, node.attr_int("value_int", 0));
    return Tensor::from_vector(DataType::kInt64, {}, std::vector<int64_t>{v});
  }
  ASSIGN_OR_RETURN(std::vector<int64_t> v, node.attr_ints("value_ints", {}));
  return Tensor::from_vector(DataType::kInt64, {static_cast<int64_t>(v.size())}, v);
}

Status infer_Constant(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(0, 0));
  ASSIGN_OR_RETURN(Tensor t, constant_node_value(ctx.node()));
  ctx.set_output(0, t.dtype(), t.shape());
  return ok_status();
}

Status infer_Shape(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(1, 1));
  const int64_t rank = static_cast<int64_t>(ctx.input_shape(0).size());
  int64_t start = 0, end = rank;
  if (ctx.opset() >= 15) {
    ASSIGN_OR_RETURN(start, ctx.node().attr_int("start", 0));
    ASSIGN_OR_RETURN(end, ctx.node().attr_int("end", rank));
  }
  // Spec: negative values count from the back, then both are clamped to [0, rank].
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, 0, rank);
  ctx.set_output(0, DataType::kInt64, {std::max<int64_t>(0, end - start)});
  return ok_status();
}

Status infer_ConstantOfShape(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(1, 1));
  RETURN_IF_ERROR(ctx.expect_dtype(0, {DataType::kInt64}));
  ASSIGN_OR_RETURN(const Tensor* shape_t, ctx.constant_input(0, "shape"));
  if (shape_t->rank() != 1)
    return ctx.error("input shape has shape " + shape_to_string(shape_t->shape()) +
                     ", expected a 1-D tensor");
  Shape out = shape_t->to_int64_vector();
  for (int64_t d : out)
    if (d < 0) return ctx.error("shape " + shape_to_string(out) + " has a negative dim");
  DataType dtype = DataType::kFloat32;
  const auto& attrs = ctx.node().attributes();
  if (auto it = attrs.find("value"); it != attrs.end()) {
    if (it->second.kind != ir::AttrKind::kTensor || it->second.t.numel() != 1)
      return ctx.error("attribute 'value' must be a one-element tensor, found " +
                       it->second.to_string());
    dtype = it->second.t.dtype();
  }
  ctx.set_output(0, dtype, out);
  return ok_status();
}

Status infer_Range(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(3, 3));
  RETURN_IF_ERROR(ctx.expect_dtype(0, {DataType::kFloat32, DataType::kInt32, DataType::kInt64}));
  static const char* kNames[] = {"start", "limit", "delta"};
  double v[3];
  for (size_t i = 0; i < 3; ++i) {
    if (ctx.input_dtype(i) != ctx.input_dtype(0))
      return ctx.error(std::string(kNames[i]) + " has dtype " +
                       std::string(dtype_name(ctx.input_dtype(i))) + " but start has " +
                       std::string(dtype_name(ctx.input_dtype(0))));
    ASSIGN_OR_RETURN(const Tensor* t, ctx.constant_input(i, kNames[i]));
    if (t->numel() != 1)
      return ctx.error(std::string(kNames[i]) + " has shape " + shape_to_string(t->shape()) +
                       ", expected a scalar");
    v[i] = t->element_as_double(0);
  }
  if (v[2] == 0) return ctx.error("delta is 0");
  int64_t count = 0;
  if (is_floating(ctx.input_dtype(0))) {
    count = static_cast<int64_t>(std::max(0.0, std::ceil((v[1] - v[0]) / v[2])));
  } else {
    // Exact integer ceil division (doubles lose precision past 2^53).
    const int64_t start = ctx.constant_input(0, "start").value()->to_int64_vector()[0];
    const int64_t limit = ctx.constant_input(1, "limit").value()->to_int64_vector()[0];
    const int64_t delta = ctx.constant_input(2, "delta").value()->to_int64_vector()[0];
    const int64_t span = limit - start;
    if ((span > 0) == (delta > 0) && span != 0) {
      const int64_t a = span > 0 ? span : -span, b = delta > 0 ? delta : -delta;
      count = (a + b - 1) / b;
    }
  }
  ctx.set_output(0, ctx.input_dtype(0), {count});
  return ok_status();
}

}  // namespace actrt::ops
