// Small helpers shared by the inference functions of the math op families (elementwise, reduce,
// normalization, linalg): named dtype classes, so that "which dtypes does ONNX allow" reads the
// same in every file, and a check that inputs have static shapes.
#pragma once

#include "ops/op_registry.h"

namespace actrt::ops {

// Floating point: f32, f16, bf16.
inline Status expect_float(const InferContext& ctx, size_t i) {
  return ctx.expect_dtype(i, {DataType::kFloat32, DataType::kFloat16, DataType::kBFloat16});
}
// Floats and signed integers (ONNX ops that negate: Neg, Relu).
inline Status expect_signed(const InferContext& ctx, size_t i) {
  return ctx.expect_dtype(i, {DataType::kFloat32, DataType::kFloat16, DataType::kBFloat16,
                              DataType::kInt8, DataType::kInt32, DataType::kInt64});
}
// Every numeric type actrt has.
inline Status expect_numeric(const InferContext& ctx, size_t i) {
  return ctx.expect_dtype(i, {DataType::kFloat32, DataType::kFloat16, DataType::kBFloat16,
                              DataType::kInt8, DataType::kUInt8, DataType::kInt32,
                              DataType::kInt64});
}
// Floats and the wide integers (reductions, matrix products, Pow's base).
inline Status expect_float_or_wide_int(const InferContext& ctx, size_t i) {
  return ctx.expect_dtype(i, {DataType::kFloat32, DataType::kFloat16, DataType::kBFloat16,
                              DataType::kInt32, DataType::kInt64});
}
inline Status expect_any(const InferContext& ctx, size_t i) {
  return ctx.expect_dtype(i, {DataType::kFloat32, DataType::kFloat16, DataType::kBFloat16,
                              DataType::kInt8, DataType::kUInt8, DataType::kInt32,
                              DataType::kInt64, DataType::kBool});
}

using DtypeCheck = Status (*)(const InferContext&, size_t);

// Every present input has a static shape (inference cannot proceed otherwise).
inline Status expect_shapes(const InferContext& ctx) {
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const ir::Value* v = ctx.input(i);
    if (v && !v->has_shape())
      return ctx.error("input " + std::to_string(i) + " '" + v->name() +
                       "' has no static shape (was shape inference run on its producer?)");
  }
  return ok_status();
}

// Inputs `first`..`last` (those present) have the dtype of input `first`.
inline Status expect_same_dtype(const InferContext& ctx, size_t first, size_t last) {
  for (size_t i = first + 1; i <= last && i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    if (ctx.input_dtype(i) != ctx.input_dtype(first))
      return ctx.error("input " + std::to_string(i) + " '" + ctx.input(i)->name() +
                       "' has dtype " + std::string(dtype_name(ctx.input_dtype(i))) +
                       " but input " + std::to_string(first) + " '" + ctx.input(first)->name() +
                       "' has " + std::string(dtype_name(ctx.input_dtype(first))) +
                       ": ONNX requires them to match");
  }
  return ok_status();
}

}  // namespace actrt::ops
