// Shape and dtype inference for elementwise ops: unary math, Clip, Cast, Identity, Dropout,
// broadcasting binary / variadic ops, comparisons, Where and Expand.
#include <string>

#include "ops/infer_helpers.h"
#include "ops/op_registry.h"

namespace actrt::ops {

namespace {

// y = f(x): y has x's dtype and shape.
Status infer_unary(InferContext& ctx, DtypeCheck check) {
  RETURN_IF_ERROR(ctx.expect_arity(1, 1));
  RETURN_IF_ERROR(expect_shapes(ctx));
  RETURN_IF_ERROR(check(ctx, 0));
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
  return ok_status();
}

// Numpy broadcast of every present input's shape.
Result<Shape> broadcast_all_inputs(const InferContext& ctx) {
  Shape out;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    ASSIGN_OR_RETURN(out, broadcast_shapes(ctx, out, ctx.input_shape(i)));
  }
  return out;
}

// Inputs of one dtype (checked by `check`), broadcast together; the output has their dtype, or
// bool for comparisons.
Status infer_broadcast(InferContext& ctx, size_t min_in, size_t max_in, DtypeCheck check,
                       bool bool_output) {
  RETURN_IF_ERROR(ctx.expect_arity(min_in, max_in));
  RETURN_IF_ERROR(expect_shapes(ctx));
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return ctx.error("input " + std::to_string(i) + " is missing");
    RETURN_IF_ERROR(check(ctx, i));
  }
  RETURN_IF_ERROR(expect_same_dtype(ctx, 0, ctx.num_inputs() - 1));
  ASSIGN_OR_RETURN(Shape shape, broadcast_all_inputs(ctx));
  ctx.set_output(0, bool_output ? DataType::kBool : ctx.input_dtype(0), std::move(shape));
  return ok_status();
}

Status expect_bool(const InferContext& ctx, size_t i) {
  return ctx.expect_dtype(i, {DataType::kBool});
}

Status expect_numeric_or_bool(const InferContext& ctx, size_t i) { return expect_any(ctx, i); }

}  // namespace

Status infer_Relu(InferContext& ctx) { return infer_unary(ctx, expect_signed); }
Status infer_Neg(InferContext& ctx) { return infer_unary(ctx, expect_signed); }
Status infer_Abs(InferContext& ctx) { return infer_unary(ctx, expect_numeric); }
Status infer_Exp(InferContext& ctx) { return infer_unary(ctx, expect_float); }
Status infer_Log(InferContext& ctx) { return infer_unary(ctx, expect_float); }
Status infer_Erf(InferContext& ctx) { return infer_unary(ctx, expect_float); }
Status infer_Tanh(InferContext& ctx) { return infer_unary(ctx, expect_float); }
Status infer_Sigmoid(InferContext& ctx) { return infer_unary(ctx, expect_float); }
Status infer_Sqrt(InferContext& ctx) { return infer_unary(ctx, expect_float); }
Status infer_Reciprocal(InferContext& ctx) { return infer_unary(ctx, expect_float); }
Status infer_Sin(InferContext& ctx) { return infer_unary(ctx, expect_float); }
Status infer_Cos(InferContext& ctx) { return infer_unary(ctx, expect_float); }
Status infer_Not(InferContext& ctx) { return infer_unary(ctx, expect_bool); }
Status infer_Identity(InferContext& ctx) { return infer_unary(ctx, expect_any); }

Status infer_Gelu(InferContext& ctx) {
  ASSIGN_OR_RETURN(std::string approximate, ctx.node().attr_string("approximate", "none"));
  if (approximate != "none" && approximate != "tanh")
    return ctx.error("attribute 'approximate' is '" + approximate + "', expected 'none' or 'tanh'");
  return infer_unary(ctx, expect_float);
}

Status infer_Clip(InferContext& ctx) {
  // Opset 6..10 took min / max as attributes; from opset 11 they are optional scalar inputs.
  RETURN_IF_ERROR(ctx.expect_arity(1, ctx.opset() < 11 ? 1 : 3));
  RETURN_IF_ERROR(expect_shapes(ctx));
  if (ctx.opset() < 11) {
    RETURN_IF_ERROR(expect_float(ctx, 0));
    ASSIGN_OR_RETURN(float lo, ctx.node().attr_float("min", -3.402823e38f));
    ASSIGN_OR_RETURN(float hi, ctx.node().attr_float("max", 3.402823e38f));
    (void)lo;
    (void)hi;
  } else {
    RETURN_IF_ERROR(expect_numeric(ctx, 0));
    RETURN_IF_ERROR(expect_same_dtype(ctx, 0, 2));
    for (size_t i = 1; i < ctx.num_inputs(); ++i) {
      if (!ctx.has_input(i)) continue;
      if (shape_numel(ctx.input_shape(i)) != 1)
        return ctx.error(std::string(i == 1 ? "min" : "max") + " input '" + ctx.input(i)->name() +
                         "' must be a scalar, found shape " +
                         shape_to_string(ctx.input_shape(i)));
    }
  }
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
  return ok_status();
}

Status infer_Cast(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(1, 1));
  RETURN_IF_ERROR(expect_shapes(ctx));
  RETURN_IF_ERROR(expect_any(ctx, 0));
  if (!ctx.node().has_attribute("to")) return ctx.error("required attribute 'to' is missing");
  ASSIGN_OR_RETURN(int64_t to, ctx.node().attr_int("to", 0));
  // 'saturate' (opset 19) only concerns float8 targets, which actrt does not have.
  const std::optional<DataType> dtype = dtype_from_onnx(static_cast<int32_t>(to));
  if (!dtype)
    return unsupported(ctx.node().describe() + ": cast to " +
                       std::string(onnx_dtype_name(static_cast<int32_t>(to))) +
                       " is not supported (actrt has f32, f16, bf16, i8, u8, i32, i64, bool)");
  ctx.set_output(0, *dtype, ctx.input_shape(0));
  return ok_status();
}

Status infer_Dropout(InferContext& ctx) {
  // Inference semantics only: y = x, and the optional mask is all true. Opset < 12 has a 'ratio'
  // attribute; from 12 ratio and training_mode are optional inputs.
  RETURN_IF_ERROR(ctx.expect_arity(1, ctx.opset() < 12 ? 1 : 3, 1, 2));
  RETURN_IF_ERROR(expect_shapes(ctx));
  RETURN_IF_ERROR(expect_float(ctx, 0));
  if (ctx.opset() >= 12 && ctx.has_input(2)) {
    RETURN_IF_ERROR(ctx.expect_dtype(2, {DataType::kBool}));
    ASSIGN_OR_RETURN(const Tensor* training, ctx.constant_input(2, "training_mode"));
    if (training->numel() != 1)
      return ctx.error("training_mode must be a scalar, found shape " +
                       shape_to_string(training->shape()));
    if (training->element_as_double(0) != 0.0)
      return unsupported(ctx.node().describe() +
                         ": training_mode is true; actrt runs inference only (random dropout "
                         "is not supported)");
  }
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
  ctx.set_output(1, DataType::kBool, ctx.input_shape(0));
  return ok_status();
}

Status infer_Add(InferContext& ctx) { return infer_broadcast(ctx, 2, 2, expect_numeric, false); }
Status infer_Sub(InferContext& ctx) { return infer_broadcast(ctx, 2, 2, expect_numeric, false); }
Status infer_Mul(InferContext& ctx) { return infer_broadcast(ctx, 2, 2, expect_numeric, false); }
Status infer_Div(InferContext& ctx) { return infer_broadcast(ctx, 2, 2, expect_numeric, false); }
Status infer_Min(InferContext& ctx) {
  return infer_broadcast(ctx, 1, SIZE_MAX, expect_numeric, false);
}
Status infer_Max(InferContext& ctx) {
  return infer_broadcast(ctx, 1, SIZE_MAX, expect_numeric, false);
}
Status infer_Equal(InferContext& ctx) {
  return infer_broadcast(ctx, 2, 2, expect_numeric_or_bool, true);
}
Status infer_Less(InferContext& ctx) { return infer_broadcast(ctx, 2, 2, expect_numeric, true); }
Status infer_Greater(InferContext& ctx) {
  return infer_broadcast(ctx, 2, 2, expect_numeric, true);
}

Status infer_Pow(InferContext& ctx) {
  // The exponent may have another dtype than the base; the result has the base's.
  RETURN_IF_ERROR(ctx.expect_arity(2, 2));
  RETURN_IF_ERROR(expect_shapes(ctx));
  RETURN_IF_ERROR(expect_float_or_wide_int(ctx, 0));
  RETURN_IF_ERROR(expect_numeric(ctx, 1));
  ASSIGN_OR_RETURN(Shape shape, broadcast_all_inputs(ctx));
  ctx.set_output(0, ctx.input_dtype(0), std::move(shape));
  return ok_status();
}

Status infer_Where(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(3, 3));
  RETURN_IF_ERROR(expect_shapes(ctx));
  RETURN_IF_ERROR(expect_bool(ctx, 0));
  RETURN_IF_ERROR(expect_any(ctx, 1));
  RETURN_IF_ERROR(expect_same_dtype(ctx, 1, 2));
  ASSIGN_OR_RETURN(Shape shape, broadcast_all_inputs(ctx));
  ctx.set_output(0, ctx.input_dtype(1), std::move(shape));
  return ok_status();
}

Status infer_Expand(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(2, 2));
  RETURN_IF_ERROR(expect_shapes(ctx));
  RETURN_IF_ERROR(expect_any(ctx, 0));
  RETURN_IF_ERROR(ctx.expect_dtype(1, {DataType::kInt64}));
  ASSIGN_OR_RETURN(const Tensor* shape_tensor, ctx.constant_input(1, "shape"));
  if (shape_tensor->rank() != 1)
    return ctx.error("shape input must be 1-D, found shape " +
                     shape_to_string(shape_tensor->shape()));
  const Shape target = shape_tensor->to_int64_vector();
  for (int64_t d : target)
    if (d < 0)
      return ctx.error("shape input " + shape_to_string(target) + " has a negative dimension");
  // Expand broadcasts both ways: a 1 in `shape` keeps the input's dimension.
  ASSIGN_OR_RETURN(Shape out, broadcast_shapes(ctx, ctx.input_shape(0), target));
  ctx.set_output(0, ctx.input_dtype(0), std::move(out));
  return ok_status();
}

}  // namespace actrt::ops
