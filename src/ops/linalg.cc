// Shape and dtype inference for MatMul (numpy matmul semantics) and Gemm.
#include <string>

#include "ops/infer_helpers.h"
#include "ops/op_registry.h"

namespace actrt::ops {

Status infer_MatMul(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(2, 2));
  RETURN_IF_ERROR(expect_shapes(ctx));
  RETURN_IF_ERROR(expect_float_or_wide_int(ctx, 0));
  RETURN_IF_ERROR(expect_same_dtype(ctx, 0, 1));
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  if (a.empty() || b.empty())
    return ctx.error("operands must have rank >= 1, found A " + shape_to_string(a) + " and B " +
                     shape_to_string(b));
  // numpy: a 1-D A is a row vector [1, K], a 1-D B a column vector [K, 1]; the added dimension
  // is dropped from the result. Leading dimensions are batch dimensions and broadcast.
  const Shape a2 = a.size() == 1 ? Shape{1, a[0]} : a;
  const Shape b2 = b.size() == 1 ? Shape{b[0], 1} : b;
  if (a2[a2.size() - 1] != b2[b2.size() - 2])
    return ctx.error("inner dimensions differ: A is " + shape_to_string(a) + ", B is " +
                     shape_to_string(b));
  ASSIGN_OR_RETURN(Shape out, broadcast_shapes(ctx, Shape(a2.begin(), a2.end() - 2),
                                               Shape(b2.begin(), b2.end() - 2)));
  if (a.size() > 1) out.push_back(a2[a2.size() - 2]);
  if (b.size() > 1) out.push_back(b2[b2.size() - 1]);
  ctx.set_output(0, ctx.input_dtype(0), std::move(out));
  return ok_status();
}

Status infer_Gemm(InferContext& ctx) {
  // C became optional in opset 11.
  RETURN_IF_ERROR(ctx.expect_arity(2, 3));
  RETURN_IF_ERROR(expect_shapes(ctx));
  RETURN_IF_ERROR(expect_float_or_wide_int(ctx, 0));
  RETURN_IF_ERROR(expect_same_dtype(ctx, 0, 2));
  ASSIGN_OR_RETURN(int64_t trans_a, ctx.node().attr_int("transA", 0));
  ASSIGN_OR_RETURN(int64_t trans_b, ctx.node().attr_int("transB", 0));
  ASSIGN_OR_RETURN(float alpha, ctx.node().attr_float("alpha", 1.0f));
  ASSIGN_OR_RETURN(float beta, ctx.node().attr_float("beta", 1.0f));
  (void)alpha;
  (void)beta;
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  if (a.size() != 2 || b.size() != 2)
    return ctx.error("A and B must be 2-D, found A " + shape_to_string(a) + " and B " +
                     shape_to_string(b));
  const int64_t m = trans_a ? a[1] : a[0];
  const int64_t k = trans_a ? a[0] : a[1];
  const int64_t kb = trans_b ? b[1] : b[0];
  const int64_t n = trans_b ? b[0] : b[1];
  if (k != kb)
    return ctx.error("inner dimensions differ: op(A) is " + std::to_string(m) + "x" +
                     std::to_string(k) + ", op(B) is " + std::to_string(kb) + "x" +
                     std::to_string(n) + " (A " + shape_to_string(a) + " transA=" +
                     std::to_string(trans_a) + ", B " + shape_to_string(b) + " transB=" +
                     std::to_string(trans_b) + ")");
  if (ctx.has_input(2)) {
    // C broadcasts one way to [M, N].
    const Shape& c = ctx.input_shape(2);
    const Shape mn = {m, n};
    bool ok = c.size() <= 2;
    for (size_t i = 0; ok && i < c.size(); ++i) {
      const int64_t d = c[c.size() - 1 - i];
      ok = d == 1 || d == mn[1 - i];
    }
    if (!ok)
      return ctx.error("C has shape " + shape_to_string(c) + ", which does not broadcast to " +
                       shape_to_string(mn));
  }
  ctx.set_output(0, ctx.input_dtype(0), Shape{m, n});
  return ok_status();
}

}  // namespace actrt::ops
