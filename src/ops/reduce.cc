// Shape and dtype inference for reductions (ReduceMean, ReduceSum, ReduceMax) and CumSum, and the
// axes resolution that the reduction kernels share (ops/reduce_spec.h).
#include <string>

#include "ops/infer_helpers.h"
#include "ops/op_registry.h"
#include "ops/reduce_spec.h"

namespace actrt::ops {

int64_t reduce_axes_input_opset(std::string_view op_type) {
  return op_type == "ReduceSum" ? 13 : 18;
}

Result<ReduceSpec> resolve_reduce(const ir::Node& node, int64_t opset, const Tensor* axes_input,
                                  int64_t rank) {
  const auto fail = [&](const std::string& m) { return invalid_model(node.describe() + ": " + m); };
  ReduceSpec spec;
  ASSIGN_OR_RETURN(int64_t keepdims, node.attr_int("keepdims", 1));
  spec.keepdims = keepdims != 0;

  const bool axes_from_input = opset >= reduce_axes_input_opset(node.op_type());
  std::vector<int64_t> axes;
  bool noop_with_empty_axes = false;
  if (axes_from_input) {
    if (node.has_attribute("axes"))
      return fail("has an 'axes' attribute, but from opset " +
                  std::to_string(reduce_axes_input_opset(node.op_type())) +
                  " axes are the second input (model opset " + std::to_string(opset) + ")");
    ASSIGN_OR_RETURN(int64_t noop, node.attr_int("noop_with_empty_axes", 0));
    noop_with_empty_axes = noop != 0;
    if (axes_input) {
      if (axes_input->rank() > 1)
        return fail("axes input must be 1-D, found shape " +
                    shape_to_string(axes_input->shape()));
      axes = axes_input->to_int64_vector();
    }
  } else {
    if (node.input(1))
      return fail("has an axes input, but before opset " +
                  std::to_string(reduce_axes_input_opset(node.op_type())) +
                  " axes are an attribute (model opset " + std::to_string(opset) + ")");
    ASSIGN_OR_RETURN(axes, node.attr_ints("axes", {}));
  }

  spec.reduced.assign(static_cast<size_t>(rank), false);
  if (axes.empty()) {
    if (noop_with_empty_axes) spec.noop = true;
    else spec.reduced.assign(static_cast<size_t>(rank), true);
    return spec;
  }
  for (int64_t a : axes) {
    if (a < -rank || a >= rank)
      return fail("axis " + std::to_string(a) + " is out of range for rank " +
                  std::to_string(rank));
    const size_t axis = static_cast<size_t>(a < 0 ? a + rank : a);
    if (spec.reduced[axis]) return fail("axis " + std::to_string(a) + " is listed twice");
    spec.reduced[axis] = true;
  }
  return spec;
}

Shape reduced_shape(const Shape& input, const ReduceSpec& spec, bool keepdims) {
  if (spec.noop) return input;
  Shape out;
  for (size_t d = 0; d < input.size(); ++d) {
    if (!spec.reduced[d]) out.push_back(input[d]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

namespace {

Status infer_reduce(InferContext& ctx, DtypeCheck check) {
  RETURN_IF_ERROR(ctx.expect_arity(1, 2));
  RETURN_IF_ERROR(expect_shapes(ctx));
  RETURN_IF_ERROR(check(ctx, 0));
  const Tensor* axes = nullptr;
  if (ctx.has_input(1)) {
    RETURN_IF_ERROR(ctx.expect_dtype(1, {DataType::kInt64}));
    // Static shapes: the axes decide the output shape, so they must be known now.
    ASSIGN_OR_RETURN(axes, ctx.constant_input(1, "axes"));
  }
  const Shape& in = ctx.input_shape(0);
  ASSIGN_OR_RETURN(ReduceSpec spec, resolve_reduce(ctx.node(), ctx.opset(), axes,
                                                   static_cast<int64_t>(in.size())));
  ctx.set_output(0, ctx.input_dtype(0), reduced_shape(in, spec, spec.keepdims));
  return ok_status();
}

Status expect_reduce_max_dtype(const InferContext& ctx, size_t i) {
  return expect_numeric(ctx, i);  // ReduceMax also takes i8 / u8 (opset 12+)
}

}  // namespace

Status infer_ReduceMean(InferContext& ctx) { return infer_reduce(ctx, expect_float_or_wide_int); }
Status infer_ReduceSum(InferContext& ctx) { return infer_reduce(ctx, expect_float_or_wide_int); }
Status infer_ReduceMax(InferContext& ctx) { return infer_reduce(ctx, expect_reduce_max_dtype); }

Status infer_CumSum(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(2, 2));
  RETURN_IF_ERROR(expect_shapes(ctx));
  RETURN_IF_ERROR(expect_float_or_wide_int(ctx, 0));
  RETURN_IF_ERROR(ctx.expect_dtype(1, {DataType::kInt32, DataType::kInt64}));
  if (shape_numel(ctx.input_shape(1)) != 1 || ctx.input_shape(1).size() > 1)
    return ctx.error("axis input must be a scalar (or a 1-element 1-D tensor), found shape " +
                     shape_to_string(ctx.input_shape(1)));
  for (const char* name : {"exclusive", "reverse"}) {
    ASSIGN_OR_RETURN(int64_t v, ctx.node().attr_int(name, 0));
    (void)v;  // only the attribute's kind is checked here; any non-zero value means true
  }
  const int64_t rank = static_cast<int64_t>(ctx.input_shape(0).size());
  if (const Tensor* axis = ctx.maybe_constant_input(1)) {
    const int64_t a = axis->to_int64_vector()[0];
    if (a < -rank || a >= rank)
      return ctx.error("axis " + std::to_string(a) + " is out of range for rank " +
                       std::to_string(rank));
  }
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
  return ok_status();
}

}  // namespace actrt::ops
