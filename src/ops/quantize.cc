// QuantizeLinear / DequantizeLinear: attribute checks and shape inference.
//
//   y = saturate(round_half_even(x / scale) + zero_point)      (QuantizeLinear)
//   y = (x - zero_point) * scale                              (DequantizeLinear)
// Per tensor (scale a scalar or one element) or per axis (scale 1-D with x.shape[axis]
// elements, attribute axis, default 1, opset >= 13). Quantized types: int8 and uint8 (and int32
// as DequantizeLinear input without a zero point). Blocked quantization (opset 21 block_size)
// and float8 / int4 types are not supported.
#include <string>

#include "ops/infer_helpers.h"

namespace actrt::ops {

namespace {

// Checks scale (input 1) and zero point (input 2) shapes against x (input 0) and `axis`.
Status check_scale_shapes(InferContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  const Shape& s = ctx.input_shape(1);
  if (ctx.opset() >= 21) {
    ASSIGN_OR_RETURN(int64_t block, ctx.node().attr_int("block_size", 0));
    if (block != 0)
      return unsupported(ctx.node().describe() + ": blocked quantization (block_size " +
                         std::to_string(block) + ") is not supported");
  }
  if (shape_numel(s) == 1 && s.size() <= 1) {
    // per tensor
  } else if (s.size() == 1 && ctx.opset() >= 13) {
    ASSIGN_OR_RETURN(int64_t axis_attr, ctx.node().attr_int("axis", 1));
    ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx, axis_attr, static_cast<int64_t>(x.size())));
    if (s[0] != x[static_cast<size_t>(axis)])
      return ctx.error("per-axis scale '" + ctx.input(1)->name() + "' has " + std::to_string(s[0]) +
                       " elements but axis " + std::to_string(axis) + " of " + shape_to_string(x) +
                       " has " + std::to_string(x[static_cast<size_t>(axis)]));
  } else {
    return ctx.error("scale '" + ctx.input(1)->name() + "' must be a scalar" +
                     std::string(ctx.opset() >= 13 ? " or 1-D (per axis)" : "") + ", found shape " +
                     shape_to_string(s));
  }
  if (ctx.has_input(2) && ctx.input_shape(2) != s && shape_numel(ctx.input_shape(2)) != shape_numel(s))
    return ctx.error("zero point '" + ctx.input(2)->name() + "' has shape " +
                     shape_to_string(ctx.input_shape(2)) + ", the scale has " + shape_to_string(s));
  return ok_status();
}

}  // namespace

Status infer_QuantizeLinear(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(2, 3));
  RETURN_IF_ERROR(expect_shapes(ctx));
  RETURN_IF_ERROR(expect_float(ctx, 0));
  RETURN_IF_ERROR(expect_float(ctx, 1));
  DataType out = DataType::kUInt8;
  if (ctx.has_input(2)) {
    RETURN_IF_ERROR(ctx.expect_dtype(2, {DataType::kInt8, DataType::kUInt8}));
    out = ctx.input_dtype(2);
  } else if (ctx.opset() >= 21) {
    ASSIGN_OR_RETURN(int64_t od, ctx.node().attr_int("output_dtype", 0));
    if (od != 0) {
      const auto t = dtype_from_onnx(static_cast<int32_t>(od));
      if (!t || (*t != DataType::kInt8 && *t != DataType::kUInt8))
        return unsupported(ctx.node().describe() + ": output_dtype " +
                           std::string(onnx_dtype_name(static_cast<int32_t>(od))) +
                           " is not supported (int8, uint8)");
      out = *t;
    }
  }
  RETURN_IF_ERROR(check_scale_shapes(ctx));
  ctx.set_output(0, out, ctx.input_shape(0));
  return ok_status();
}

Status infer_DequantizeLinear(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(2, 3));
  RETURN_IF_ERROR(expect_shapes(ctx));
  RETURN_IF_ERROR(ctx.expect_dtype(0, {DataType::kInt8, DataType::kUInt8, DataType::kInt32}));
  RETURN_IF_ERROR(expect_float(ctx, 1));
  if (ctx.has_input(2) && ctx.input_dtype(2) != ctx.input_dtype(0))
    return ctx.error("zero point '" + ctx.input(2)->name() + "' is " +
                     std::string(dtype_name(ctx.input_dtype(2))) + " but x is " +
                     std::string(dtype_name(ctx.input_dtype(0))) + ": ONNX requires them to match");
  RETURN_IF_ERROR(check_scale_shapes(ctx));
  ctx.set_output(0, ctx.input_dtype(1), ctx.input_shape(0));
  return ok_status();
}

}  // namespace actrt::ops
