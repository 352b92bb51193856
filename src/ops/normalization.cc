// Shape and dtype inference for Softmax and LayerNormalization.
#include <string>

#include "ops/infer_helpers.h"
#include "ops/op_registry.h"

namespace actrt::ops {

Status infer_Softmax(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(1, 1));
  RETURN_IF_ERROR(expect_shapes(ctx));
  RETURN_IF_ERROR(expect_float(ctx, 0));
  // Opset 13 made the default axis -1 (one axis); before, the default was 1 and the input was
  // coerced to 2-D at `axis`. The kernel handles both.
  ASSIGN_OR_RETURN(int64_t axis, ctx.node().attr_int("axis", ctx.opset() >= 13 ? -1 : 1));
  RETURN_IF_ERROR(normalize_axis(ctx, axis, static_cast<int64_t>(ctx.input_shape(0).size()))
                      .status());
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
  return ok_status();
}

Status infer_LayerNormalization(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(2, 3, 1, 3));
  RETURN_IF_ERROR(expect_shapes(ctx));
  RETURN_IF_ERROR(expect_float(ctx, 0));
  RETURN_IF_ERROR(expect_same_dtype(ctx, 0, 2));
  const Shape& x = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(x.size());
  ASSIGN_OR_RETURN(int64_t axis_attr, ctx.node().attr_int("axis", -1));
  if (rank == 0) return ctx.error("input X must have rank >= 1, found a scalar");
  ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx, axis_attr, rank));
  ASSIGN_OR_RETURN(float epsilon, ctx.node().attr_float("epsilon", 1e-5f));
  if (!(epsilon >= 0.0f)) return ctx.error("epsilon must be >= 0, found " + std::to_string(epsilon));
  ASSIGN_OR_RETURN(int64_t stash_type, ctx.node().attr_int("stash_type", 1));
  const std::optional<DataType> stash = dtype_from_onnx(static_cast<int32_t>(stash_type));
  if (!stash || !is_floating(*stash))
    return unsupported(ctx.node().describe() + ": stash_type " +
                       std::string(onnx_dtype_name(static_cast<int32_t>(stash_type))) +
                       " is not supported (f32, f16, bf16 are)");

  // Scale and B broadcast (numpy, one way) to the normalized shape X[axis:].
  const Shape normalized(x.begin() + axis, x.end());
  for (size_t i = 1; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    const Shape& s = ctx.input_shape(i);
    bool ok = s.size() <= normalized.size();
    for (size_t k = 0; ok && k < s.size(); ++k) {
      const int64_t d = s[s.size() - 1 - k];
      ok = d == 1 || d == normalized[normalized.size() - 1 - k];
    }
    if (!ok)
      return ctx.error(std::string(i == 1 ? "Scale" : "B") + " '" + ctx.input(i)->name() +
                       "' has shape " + shape_to_string(s) +
                       ", which does not broadcast to the normalized shape " +
                       shape_to_string(normalized) + " (X is " + shape_to_string(x) +
                       ", axis " + std::to_string(axis) + ")");
  }

  Shape stat_shape = x;  // Mean / InvStdDev: X's shape with the normalized axes set to 1
  for (int64_t d = axis; d < rank; ++d) stat_shape[d] = 1;
  ctx.set_output(0, ctx.input_dtype(0), x);
  ctx.set_output(1, *stash, stat_shape);
  ctx.set_output(2, *stash, stat_shape);
  return ok_status();
}

}  // namespace actrt::ops
