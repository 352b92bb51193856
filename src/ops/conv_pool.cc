// Shape inference for convolution and pooling: Conv, MaxPool, AveragePool, GlobalAveragePool,
// BatchNormalization (inference mode).
#include <string>

#include "ops/conv_pool_params.h"
#include "ops/op_registry.h"

namespace actrt::ops {

namespace {

Status node_error(const ir::Node& node, const std::string& message) {
  return invalid_model(node.describe() + ": " + message);
}

std::string ints_to_string(const Shape& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

// Reads an ints attribute that must have `n` entries (or be absent: then `dflt` everywhere).
Result<Shape> per_dim_attr(const ir::Node& node, const std::string& name, size_t n,
                           int64_t dflt) {
  ASSIGN_OR_RETURN(Shape v, node.attr_ints(name, {}));
  if (!node.has_attribute(name)) return Shape(n, dflt);
  if (v.size() != n)
    return node_error(node, "attribute '" + name + "' " + ints_to_string(v) + " has " +
                                std::to_string(v.size()) + " entries, expected " +
                                std::to_string(n) + " (one per spatial dimension)");
  return v;
}

int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

}  // namespace

Result<WindowGeometry> resolve_window_geometry(const ir::Node& node, WindowOp op, const Shape& x,
                                               const Shape* weight) {
  if (x.size() < 3)
    return node_error(node, "input X has shape " + shape_to_string(x) +
                                ", expected N x C x D1 ... Dn with at least one spatial dim");
  const size_t n = x.size() - 2;
  WindowGeometry g;
  ASSIGN_OR_RETURN(Shape kernel_attr, node.attr_ints("kernel_shape", {}));
  if (node.has_attribute("kernel_shape")) {
    if (kernel_attr.size() != n)
      return node_error(node, "kernel_shape " + ints_to_string(kernel_attr) + " has " +
                                  std::to_string(kernel_attr.size()) +
                                  " entries but the input has " + std::to_string(n) +
                                  " spatial dims (" + shape_to_string(x) + ")");
    g.kernel = kernel_attr;
  } else if (weight) {
    g.kernel.assign(weight->begin() + 2, weight->end());
  } else {
    return node_error(node, "attribute 'kernel_shape' is required");
  }
  if (weight) {
    for (size_t i = 0; i < n; ++i)
      if (g.kernel[i] != (*weight)[i + 2])
        return node_error(node, "kernel_shape " + ints_to_string(g.kernel) +
                                    " disagrees with weight shape " + shape_to_string(*weight));
  }
  ASSIGN_OR_RETURN(g.strides, per_dim_attr(node, "strides", n, 1));
  ASSIGN_OR_RETURN(g.dilations, per_dim_attr(node, "dilations", n, 1));
  ASSIGN_OR_RETURN(Shape pads, node.attr_ints("pads", {}));
  if (!node.has_attribute("pads")) pads.assign(2 * n, 0);
  if (pads.size() != 2 * n)
    return node_error(node, "attribute 'pads' " + ints_to_string(pads) + " has " +
                                std::to_string(pads.size()) + " entries, expected " +
                                std::to_string(2 * n) + " (begin and end per spatial dim)");
  ASSIGN_OR_RETURN(std::string auto_pad, node.attr_string("auto_pad", "NOTSET"));
  int64_t ceil_mode = 0;
  if (op == WindowOp::kPool) {
    ASSIGN_OR_RETURN(ceil_mode, node.attr_int("ceil_mode", 0));
  }
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" &&
      auto_pad != "SAME_LOWER")
    return node_error(node, "auto_pad '" + auto_pad +
                                "' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER");

  g.pads_begin.resize(n);
  g.pads_end.resize(n);
  g.out.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t in = x[i + 2];
    const int64_t k = g.kernel[i], s = g.strides[i], d = g.dilations[i];
    if (k < 1 || s < 1 || d < 1)
      return node_error(node, "kernel_shape, strides and dilations must be >= 1, found kernel " +
                                  ints_to_string(g.kernel) + ", strides " +
                                  ints_to_string(g.strides) + ", dilations " +
                                  ints_to_string(g.dilations));
    const int64_t extent = (k - 1) * d + 1;  // the dilated window
    if (auto_pad == "NOTSET") {
      const int64_t pb = pads[i], pe = pads[i + n];
      if (pb < 0 || pe < 0) return node_error(node, "negative pads " + ints_to_string(pads));
      g.pads_begin[i] = pb;
      g.pads_end[i] = pe;
      const int64_t span = in + pb + pe - extent;
      if (span < 0)
        return node_error(node, "the window (extent " + std::to_string(extent) +
                                    ") is larger than padded spatial dim " +
                                    std::to_string(i) + " (" + std::to_string(in + pb + pe) +
                                    ") of input " + shape_to_string(x));
      int64_t out = (ceil_mode ? ceil_div(span, s) : floor_div(span, s)) + 1;
      // ceil_mode may add a window that starts in the end padding; like PyTorch and
      // onnxruntime, such a window is dropped (it would see no input element).
      if (ceil_mode && (out - 1) * s >= in + pb) --out;
      g.out[i] = out;
    } else if (auto_pad == "VALID") {
      g.pads_begin[i] = g.pads_end[i] = 0;
      if (in < extent)
        return node_error(node, "the window (extent " + std::to_string(extent) +
                                    ") is larger than spatial dim " + std::to_string(i) +
                                    " of input " + shape_to_string(x) + " (auto_pad VALID)");
      g.out[i] = (in - extent) / s + 1;
    } else {  // SAME_UPPER / SAME_LOWER: output = ceil(in / stride), padding split
      const int64_t out = ceil_div(in, s);
      const int64_t total = std::max<int64_t>(0, (out - 1) * s + extent - in);
      const int64_t small = total / 2, large = total - total / 2;
      g.pads_begin[i] = auto_pad == "SAME_UPPER" ? small : large;
      g.pads_end[i] = auto_pad == "SAME_UPPER" ? large : small;
      g.out[i] = out;
    }
  }
  return g;
}

Status infer_Conv(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(2, 3));
  RETURN_IF_ERROR(ctx.expect_dtype(0, {DataType::kFloat32, DataType::kFloat16}));
  if (ctx.input_dtype(1) != ctx.input_dtype(0))
    return ctx.error("weight dtype " + std::string(dtype_name(ctx.input_dtype(1))) +
                     " differs from input dtype " + std::string(dtype_name(ctx.input_dtype(0))));
  const Shape& x = ctx.input_shape(0);
  const Shape& w = ctx.input_shape(1);
  if (x.size() < 3)
    return ctx.error("input has shape " + shape_to_string(x) +
                     ", expected N x C x D1 ... Dn (1 to 3 spatial dims)");
  if (w.size() != x.size())
    return ctx.error("weight has shape " + shape_to_string(w) + " (rank " +
                     std::to_string(w.size()) + ") but input " + shape_to_string(x) +
                     " has rank " + std::to_string(x.size()));
  ASSIGN_OR_RETURN(int64_t group, ctx.node().attr_int("group", 1));
  if (group < 1) return ctx.error("group " + std::to_string(group) + " must be >= 1");
  if (x[1] != w[1] * group)
    return ctx.error("input has " + std::to_string(x[1]) + " channels but weight expects " +
                     std::to_string(w[1] * group) + " (group " + std::to_string(group) +
                     ", weight " + shape_to_string(w) + ")");
  if (w[0] % group != 0)
    return ctx.error("weight has " + std::to_string(w[0]) +
                     " output channels, not divisible by group " + std::to_string(group));
  if (ctx.has_input(2)) {
    if (ctx.input_dtype(2) != ctx.input_dtype(0))
      return ctx.error("bias dtype " + std::string(dtype_name(ctx.input_dtype(2))) +
                       " differs from input dtype " +
                       std::string(dtype_name(ctx.input_dtype(0))));
    if (ctx.input_shape(2) != Shape{w[0]})
      return ctx.error("bias has shape " + shape_to_string(ctx.input_shape(2)) +
                       ", expected " + std::to_string(w[0]) + " (one per output channel)");
  }
  ASSIGN_OR_RETURN(WindowGeometry g,
                   resolve_window_geometry(ctx.node(), WindowOp::kConv, x, &w));
  Shape out = {x[0], w[0]};
  out.insert(out.end(), g.out.begin(), g.out.end());
  ctx.set_output(0, ctx.input_dtype(0), out);
  return ok_status();
}

namespace {
Status infer_pool(InferContext& ctx, std::initializer_list<DataType> dtypes, size_t max_out) {
  RETURN_IF_ERROR(ctx.expect_arity(1, 1, 1, max_out));
  RETURN_IF_ERROR(ctx.expect_dtype(0, dtypes));
  const Shape& x = ctx.input_shape(0);
  ASSIGN_OR_RETURN(WindowGeometry g,
                   resolve_window_geometry(ctx.node(), WindowOp::kPool, x, nullptr));
  Shape out = {x[0], x[1]};
  out.insert(out.end(), g.out.begin(), g.out.end());
  ctx.set_output(0, ctx.input_dtype(0), out);
  if (ctx.node().output(1)) ctx.set_output(1, DataType::kInt64, out);
  return ok_status();
}
}  // namespace

Status infer_MaxPool(InferContext& ctx) {
  ASSIGN_OR_RETURN(int64_t storage_order, ctx.node().attr_int("storage_order", 0));
  if (storage_order != 0 && storage_order != 1)
    return ctx.error("storage_order " + std::to_string(storage_order) + " must be 0 or 1");
  return infer_pool(ctx, {DataType::kFloat32, DataType::kFloat16, DataType::kInt8,
                          DataType::kUInt8},
                    2);
}

Status infer_AveragePool(InferContext& ctx) {
  return infer_pool(ctx, {DataType::kFloat32, DataType::kFloat16}, 1);
}

Status infer_GlobalAveragePool(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(1, 1));
  RETURN_IF_ERROR(ctx.expect_dtype(0, {DataType::kFloat32, DataType::kFloat16}));
  const Shape& x = ctx.input_shape(0);
  if (x.size() < 2)
    return ctx.error("input has shape " + shape_to_string(x) + ", expected N x C x D1 ... Dn");
  Shape out = x;
  for (size_t i = 2; i < out.size(); ++i) out[i] = 1;
  ctx.set_output(0, ctx.input_dtype(0), out);
  return ok_status();
}

Status infer_BatchNormalization(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(5, 5, 1, 3));
  ASSIGN_OR_RETURN(int64_t training, ctx.node().attr_int("training_mode", 0));
  if (training != 0)
    return unsupported(ctx.node().describe() +
                       ": training_mode=1 is not supported (inference engine)");
  for (size_t i = 1; i < ctx.num_outputs(); ++i)
    if (ctx.node().output(i))
      return unsupported(ctx.node().describe() + ": output " + std::to_string(i) +
                         " (running mean / variance) is not supported: it exists only in "
                         "training mode");
  for (size_t i = 0; i < 5; ++i)
    RETURN_IF_ERROR(ctx.expect_dtype(i, {DataType::kFloat32, DataType::kFloat16}));
  const Shape& x = ctx.input_shape(0);
  if (x.size() < 2)
    return ctx.error("input has shape " + shape_to_string(x) + ", expected N x C x D1 ... Dn");
  static const char* kNames[] = {"X", "scale", "B", "input_mean", "input_var"};
  for (size_t i = 1; i < 5; ++i)
    if (ctx.input_shape(i) != Shape{x[1]})
      return ctx.error(std::string(kNames[i]) + " has shape " +
                       shape_to_string(ctx.input_shape(i)) + ", expected " +
                       std::to_string(x[1]) + " (the channel count of X " +
                       shape_to_string(x) + ")");
  ctx.set_output(0, ctx.input_dtype(0), x);
  return ok_status();
}

}  // namespace actrt::ops
