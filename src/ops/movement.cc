// Shape inference for shape and data-movement ops: Transpose, Reshape, Flatten, Squeeze,
// Unsqueeze, Concat, Split, Slice, Gather, Tile, Pad. They all accept every dtype: they move
// elements without looking at them (and run on i64 shape tensors, bool masks, int8 data).
#include <algorithm>
#include <string>

#include "core/limits.h"
#include "ops/movement_params.h"
#include "ops/op_registry.h"

namespace actrt::ops {

namespace {

Status node_error(const ir::Node& node, const std::string& message) {
  return invalid_model(node.describe() + ": " + message);
}

std::string ints_to_string(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

// A shape-like input: constant, integer, at most 1-D.
Result<std::vector<int64_t>> int_list_input(const InferContext& ctx, size_t i,
                                            std::string_view what) {
  ASSIGN_OR_RETURN(const Tensor* t, ctx.constant_input(i, what));
  if (t->dtype() != DataType::kInt64 && t->dtype() != DataType::kInt32)
    return ctx.error("input " + std::to_string(i) + " (" + std::string(what) + ") has dtype " +
                     std::string(dtype_name(t->dtype())) + ", expected i64");
  if (t->rank() > 1)
    return ctx.error("input " + std::to_string(i) + " (" + std::string(what) + ") has shape " +
                     shape_to_string(t->shape()) + ", expected a 1-D tensor");
  return t->to_int64_vector();
}

// Normalizes `axes` against `rank` and rejects duplicates.
Result<std::vector<int64_t>> normalize_axes(const ir::Node& node, std::vector<int64_t> axes,
                                            int64_t rank) {
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (int64_t& a : axes) {
    if (a < -rank || a >= rank)
      return node_error(node, "axis " + std::to_string(a) + " in " + ints_to_string(axes) +
                                  " is out of range for rank " + std::to_string(rank));
    if (a < 0) a += rank;
    if (seen[a]) return node_error(node, "axes " + ints_to_string(axes) + " repeat an axis");
    seen[a] = true;
  }
  return axes;
}

// Axes of Squeeze / Unsqueeze: an attribute before opset 13, an input from 13 on.
// `present` tells whether any were given.
Result<std::vector<int64_t>> squeeze_axes(const InferContext& ctx, bool* present) {
  if (ctx.opset() >= 13) {
    *present = ctx.has_input(1);
    if (!*present) return std::vector<int64_t>{};
    return int_list_input(ctx, 1, "axes");
  }
  *present = ctx.node().has_attribute("axes");
  return ctx.node().attr_ints("axes", {});
}

}  // namespace

Status infer_Transpose(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(1, 1));
  const Shape& x = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(x.size());
  std::vector<int64_t> dflt(x.size());
  for (int64_t i = 0; i < rank; ++i) dflt[i] = rank - 1 - i;
  ASSIGN_OR_RETURN(std::vector<int64_t> perm, ctx.node().attr_ints("perm", dflt));
  std::vector<bool> seen(x.size(), false);
  bool valid = static_cast<int64_t>(perm.size()) == rank;
  for (int64_t p : perm) {
    if (!valid || p < 0 || p >= rank || seen[p]) {
      valid = false;
      break;
    }
    seen[p] = true;
  }
  if (!valid)
    return ctx.error("perm " + ints_to_string(perm) + " is not a permutation of 0.." +
                     std::to_string(rank - 1) + " for input " + shape_to_string(x));
  Shape out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = x[perm[i]];
  ctx.set_output(0, ctx.input_dtype(0), out);
  return ok_status();
}

Status infer_Reshape(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(2, 2));
  const Shape& x = ctx.input_shape(0);
  ASSIGN_OR_RETURN(std::vector<int64_t> spec, int_list_input(ctx, 1, "shape"));
  int64_t allowzero = 0;
  if (ctx.opset() >= 14) {
    ASSIGN_OR_RETURN(allowzero, ctx.node().attr_int("allowzero", 0));
  }
  Shape out(spec.size());
  int64_t infer_at = -1;
  int64_t known = 1;
  for (size_t i = 0; i < spec.size(); ++i) {
    const int64_t s = spec[i];
    if (s == -1) {
      if (infer_at >= 0)
        return ctx.error("shape " + ints_to_string(spec) + " has more than one -1");
      infer_at = static_cast<int64_t>(i);
      continue;
    }
    if (s < -1) return ctx.error("shape " + ints_to_string(spec) + " has a negative entry");
    if (s == 0 && !allowzero) {
      if (i >= x.size())
        return ctx.error("shape " + ints_to_string(spec) + " has 0 at position " +
                         std::to_string(i) + " (copy the input dim) but the input " +
                         shape_to_string(x) + " has rank " + std::to_string(x.size()));
      out[i] = x[i];
    } else {
      out[i] = s;
    }
    // Overflow-checked: the target shape is the model's data (a fuzzed Reshape wrapped around).
    const std::optional<int64_t> product = limits::checked_mul(known, out[i]);
    if (!product)
      return ctx.error("shape " + ints_to_string(spec) + " has more elements than a tensor can hold");
    known = *product;
  }
  const int64_t total = shape_numel(x);
  if (infer_at >= 0) {
    if (known == 0)
      return ctx.error("shape " + ints_to_string(spec) +
                       " has -1 next to a zero-size dim: the -1 is ambiguous");
    if (total % known != 0)
      return ctx.error("cannot reshape " + shape_to_string(x) + " (" + std::to_string(total) +
                       " elements) to " + ints_to_string(spec) + ": " + std::to_string(total) +
                       " is not divisible by " + std::to_string(known));
    out[infer_at] = total / known;
  }
  // `known` is the product of the resolved dims but the -1 (checked above); with it, total.
  const int64_t resolved = infer_at >= 0 ? total : known;
  if (resolved != total)
    return ctx.error("cannot reshape " + shape_to_string(x) + " (" + std::to_string(total) +
                     " elements) to " + ints_to_string(spec) + " (resolved " +
                     shape_to_string(out) + ", " + std::to_string(resolved) + " elements)");
  ctx.set_output(0, ctx.input_dtype(0), out);
  return ok_status();
}

Status infer_Flatten(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(1, 1));
  const Shape& x = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(x.size());
  ASSIGN_OR_RETURN(int64_t axis, ctx.node().attr_int("axis", 1));
  if (axis < -rank || axis > rank)
    return ctx.error("axis " + std::to_string(axis) + " is out of range [" +
                     std::to_string(-rank) + ", " + std::to_string(rank) + "] for input " +
                     shape_to_string(x));
  if (axis < 0) axis += rank;
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i) (i < axis ? outer : inner) *= x[i];
  ctx.set_output(0, ctx.input_dtype(0), {outer, inner});
  return ok_status();
}

Status infer_Squeeze(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(1, ctx.opset() >= 13 ? 2 : 1));
  const Shape& x = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(x.size());
  bool present = false;
  ASSIGN_OR_RETURN(std::vector<int64_t> axes, squeeze_axes(ctx, &present));
  ASSIGN_OR_RETURN(axes, normalize_axes(ctx.node(), axes, rank));
  std::vector<bool> drop(x.size(), false);
  if (!present || axes.empty()) {  // an empty axes tensor also squeezes all (onnxruntime)
    for (size_t i = 0; i < x.size(); ++i) drop[i] = x[i] == 1;
  } else {
    for (int64_t a : axes) {
      if (x[a] != 1)
        return ctx.error("cannot squeeze axis " + std::to_string(a) + " of input " +
                         shape_to_string(x) + ": its size is " + std::to_string(x[a]) +
                         ", not 1");
      drop[a] = true;
    }
  }
  Shape out;
  for (size_t i = 0; i < x.size(); ++i)
    if (!drop[i]) out.push_back(x[i]);
  ctx.set_output(0, ctx.input_dtype(0), out);
  return ok_status();
}

Status infer_Unsqueeze(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(ctx.opset() >= 13 ? 2 : 1, ctx.opset() >= 13 ? 2 : 1));
  const Shape& x = ctx.input_shape(0);
  bool present = false;
  ASSIGN_OR_RETURN(std::vector<int64_t> axes, squeeze_axes(ctx, &present));
  if (!present || axes.empty()) return ctx.error("axes are required and must not be empty");
  const int64_t out_rank = static_cast<int64_t>(x.size() + axes.size());
  ASSIGN_OR_RETURN(axes, normalize_axes(ctx.node(), axes, out_rank));
  Shape out(static_cast<size_t>(out_rank), 1);
  std::vector<bool> inserted(out.size(), false);
  for (int64_t a : axes) inserted[a] = true;
  size_t next = 0;
  for (size_t i = 0; i < out.size(); ++i)
    if (!inserted[i]) out[i] = x[next++];
  ctx.set_output(0, ctx.input_dtype(0), out);
  return ok_status();
}

Status infer_Concat(InferContext& ctx) {
  if (ctx.num_inputs() < 1) return ctx.error("needs at least one input");
  RETURN_IF_ERROR(ctx.expect_arity(ctx.num_inputs(), ctx.num_inputs()));
  if (!ctx.node().has_attribute("axis")) return ctx.error("attribute 'axis' is required");
  ASSIGN_OR_RETURN(int64_t axis, ctx.node().attr_int("axis", 0));
  const Shape& first = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(first.size());
  if (rank == 0) return ctx.error("cannot concatenate scalars");
  ASSIGN_OR_RETURN(axis, normalize_axis(ctx, axis, rank));
  Shape out = first;
  out[axis] = 0;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const Shape& s = ctx.input_shape(i);
    if (ctx.input_dtype(i) != ctx.input_dtype(0))
      return ctx.error("input " + std::to_string(i) + " has dtype " +
                       std::string(dtype_name(ctx.input_dtype(i))) + " but input 0 has " +
                       std::string(dtype_name(ctx.input_dtype(0))));
    bool match = static_cast<int64_t>(s.size()) == rank;
    for (int64_t d = 0; match && d < rank; ++d) match = d == axis || s[d] == first[d];
    if (!match)
      return ctx.error("input " + std::to_string(i) + " has shape " + shape_to_string(s) +
                       ", incompatible with input 0 " + shape_to_string(first) +
                       " for concatenation on axis " + std::to_string(axis));
    out[axis] += s[axis];
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
  return ok_status();
}

Status infer_Split(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(1, ctx.opset() >= 13 ? 2 : 1, 1, SIZE_MAX));
  const Shape& x = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(x.size());
  if (rank == 0) return ctx.error("cannot split a scalar");
  ASSIGN_OR_RETURN(int64_t axis, ctx.node().attr_int("axis", 0));
  ASSIGN_OR_RETURN(axis, normalize_axis(ctx, axis, rank));
  const int64_t n = static_cast<int64_t>(ctx.num_outputs());
  const int64_t dim = x[axis];
  std::vector<int64_t> sizes;
  bool have_split = false;
  if (ctx.opset() >= 13) {
    if (ctx.has_input(1)) {
      ASSIGN_OR_RETURN(sizes, int_list_input(ctx, 1, "split"));
      have_split = true;
    }
  } else if (ctx.node().has_attribute("split")) {
    ASSIGN_OR_RETURN(sizes, ctx.node().attr_ints("split", {}));
    have_split = true;
  }
  if (ctx.opset() >= 18 && ctx.node().has_attribute("num_outputs")) {
    if (have_split)
      return ctx.error("both the 'split' input and the 'num_outputs' attribute are given");
    ASSIGN_OR_RETURN(int64_t num, ctx.node().attr_int("num_outputs", 0));
    if (num != n)
      return ctx.error("num_outputs is " + std::to_string(num) + " but the node has " +
                       std::to_string(n) + " outputs");
  }
  if (have_split) {
    if (static_cast<int64_t>(sizes.size()) != n)
      return ctx.error("split " + ints_to_string(sizes) + " has " +
                       std::to_string(sizes.size()) + " entries but the node has " +
                       std::to_string(n) + " outputs");
    int64_t sum = 0;
    for (int64_t s : sizes) {
      if (s < 0) return ctx.error("split " + ints_to_string(sizes) + " has a negative size");
      sum += s;
    }
    if (sum != dim)
      return ctx.error("split " + ints_to_string(sizes) + " sums to " + std::to_string(sum) +
                       " but axis " + std::to_string(axis) + " of input " + shape_to_string(x) +
                       " has size " + std::to_string(dim));
  } else {
    // Equal parts; from opset 18 the last chunk may be smaller (ceil-sized chunks).
    const int64_t chunk = (dim + n - 1) / n;
    if (ctx.opset() < 18 && dim % n != 0)
      return ctx.error("axis " + std::to_string(axis) + " of input " + shape_to_string(x) +
                       " cannot be split into " + std::to_string(n) + " equal parts");
    if (chunk * (n - 1) >= dim && dim > 0)
      return ctx.error("axis " + std::to_string(axis) + " of input " + shape_to_string(x) +
                       " is too small for " + std::to_string(n) + " outputs of size " +
                       std::to_string(chunk));
    sizes.assign(static_cast<size_t>(n), chunk);
    sizes.back() = dim - chunk * (n - 1);
  }
  for (int64_t i = 0; i < n; ++i) {
    Shape out = x;
    out[axis] = sizes[i];
    ctx.set_output(static_cast<size_t>(i), ctx.input_dtype(0), out);
  }
  return ok_status();
}

Result<SliceParams> resolve_slice(const ir::Node& node, const Shape& data, const Tensor& starts_t,
                                  const Tensor& ends_t, const Tensor* axes_t,
                                  const Tensor* steps_t) {
  const int64_t rank = static_cast<int64_t>(data.size());
  const std::vector<int64_t> starts = starts_t.to_int64_vector();
  const std::vector<int64_t> ends = ends_t.to_int64_vector();
  std::vector<int64_t> axes(starts.size());
  for (size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<int64_t>(i);
  if (axes_t) axes = axes_t->to_int64_vector();
  std::vector<int64_t> steps(starts.size(), 1);
  if (steps_t) steps = steps_t->to_int64_vector();
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return node_error(node, "starts " + ints_to_string(starts) + ", ends " +
                                ints_to_string(ends) + ", axes " + ints_to_string(axes) +
                                " and steps " + ints_to_string(steps) +
                                " must have the same length");
  ASSIGN_OR_RETURN(axes, normalize_axes(node, axes, rank));
  SliceParams p;
  p.starts.assign(data.size(), 0);
  p.steps.assign(data.size(), 1);
  p.out = data;
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t a = axes[i], dim = data[a], step = steps[i];
    if (step == 0) return node_error(node, "steps " + ints_to_string(steps) + " contain 0");
    int64_t start = starts[i], end = ends[i];
    // Spec: negative indices count from the back; then clamp to [0, dim] for positive steps
    // and to [0, dim-1] (start) / [-1, dim-1] (end) for negative steps.
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    int64_t count = 0;
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      if (end > start) count = (end - start - 1) / step + 1;
    } else if (dim > 0) {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
      if (start > end) count = (start - end - 1) / (-step) + 1;
    } else {
      start = 0;
    }
    p.starts[a] = start;
    p.steps[a] = step;
    p.out[a] = count;
  }
  return p;
}

Status infer_Slice(InferContext& ctx) {
  if (ctx.opset() < 10)
    return unsupported(ctx.node().describe() + ": Slice before opset 10 (attributes) is not "
                       "supported");
  RETURN_IF_ERROR(ctx.expect_arity(3, 5));
  ASSIGN_OR_RETURN(const Tensor* starts, ctx.constant_input(1, "starts"));
  ASSIGN_OR_RETURN(const Tensor* ends, ctx.constant_input(2, "ends"));
  const Tensor* axes = nullptr;
  const Tensor* steps = nullptr;
  if (ctx.has_input(3)) {
    ASSIGN_OR_RETURN(axes, ctx.constant_input(3, "axes"));
  }
  if (ctx.has_input(4)) {
    ASSIGN_OR_RETURN(steps, ctx.constant_input(4, "steps"));
  }
  for (size_t i = 1; i < 5; ++i)
    if (ctx.has_input(i)) RETURN_IF_ERROR(ctx.expect_dtype(i, {DataType::kInt64, DataType::kInt32}));
  ASSIGN_OR_RETURN(SliceParams p, resolve_slice(ctx.node(), ctx.input_shape(0), *starts, *ends,
                                                axes, steps));
  ctx.set_output(0, ctx.input_dtype(0), p.out);
  return ok_status();
}

Status infer_Gather(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(2, 2));
  RETURN_IF_ERROR(ctx.expect_dtype(1, {DataType::kInt64, DataType::kInt32}));
  const Shape& x = ctx.input_shape(0);
  const Shape& ind = ctx.input_shape(1);
  if (x.empty()) return ctx.error("data must have rank >= 1");
  ASSIGN_OR_RETURN(int64_t axis, ctx.node().attr_int("axis", 0));
  ASSIGN_OR_RETURN(axis, normalize_axis(ctx, axis, static_cast<int64_t>(x.size())));
  // Constant indices can be checked now; others are checked by the kernel.
  if (const Tensor* t = ctx.maybe_constant_input(1)) {
    for (int64_t v : t->to_int64_vector())
      if (v < -x[axis] || v >= x[axis])
        return ctx.error("index " + std::to_string(v) + " is out of range for axis " +
                         std::to_string(axis) + " of size " + std::to_string(x[axis]));
  }
  Shape out(x.begin(), x.begin() + axis);
  out.insert(out.end(), ind.begin(), ind.end());
  out.insert(out.end(), x.begin() + axis + 1, x.end());
  ctx.set_output(0, ctx.input_dtype(0), out);
  return ok_status();
}

Status infer_Tile(InferContext& ctx) {
  RETURN_IF_ERROR(ctx.expect_arity(2, 2));
  const Shape& x = ctx.input_shape(0);
  ASSIGN_OR_RETURN(std::vector<int64_t> repeats, int_list_input(ctx, 1, "repeats"));
  if (repeats.size() != x.size())
    return ctx.error("repeats " + ints_to_string(repeats) + " has " +
                     std::to_string(repeats.size()) + " entries but the input " +
                     shape_to_string(x) + " has rank " + std::to_string(x.size()));
  Shape out = x;
  for (size_t i = 0; i < x.size(); ++i) {
    if (repeats[i] < 0)
      return ctx.error("repeats " + ints_to_string(repeats) + " has a negative entry");
    out[i] *= repeats[i];
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
  return ok_status();
}

Result<PadParams> resolve_pad(const ir::Node& node, const Shape& data, const Tensor& pads_t,
                              const Tensor* axes_t) {
  const int64_t rank = static_cast<int64_t>(data.size());
  ASSIGN_OR_RETURN(std::string mode, node.attr_string("mode", "constant"));
  PadParams p;
  if (mode == "constant") p.mode = PadMode::kConstant;
  else if (mode == "reflect") p.mode = PadMode::kReflect;
  else if (mode == "edge") p.mode = PadMode::kEdge;
  else
    return unsupported(node.describe() + ": pad mode '" + mode +
                       "' is not supported (constant, reflect, edge)");
  std::vector<int64_t> axes(data.size());
  for (int64_t i = 0; i < rank; ++i) axes[i] = i;
  if (axes_t) {
    ASSIGN_OR_RETURN(axes, normalize_axes(node, axes_t->to_int64_vector(), rank));
  }
  const std::vector<int64_t> pads = pads_t.to_int64_vector();
  if (pads.size() != 2 * axes.size())
    return node_error(node, "pads " + ints_to_string(pads) + " has " +
                                std::to_string(pads.size()) + " entries, expected " +
                                std::to_string(2 * axes.size()) + " for input " +
                                shape_to_string(data));
  p.begin.assign(data.size(), 0);
  p.end.assign(data.size(), 0);
  p.out = data;
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t a = axes[i];
    p.begin[a] = pads[i];
    p.end[a] = pads[i + axes.size()];
    p.out[a] = data[a] + p.begin[a] + p.end[a];
    if (p.out[a] < 0)
      return node_error(node, "pads " + ints_to_string(pads) + " crop axis " +
                                  std::to_string(a) + " of input " + shape_to_string(data) +
                                  " below zero");
    if (p.mode != PadMode::kConstant && data[a] == 0 && p.out[a] > 0)
      return node_error(node, "mode '" + mode + "' cannot pad axis " + std::to_string(a) +
                                  ", which is empty, in input " + shape_to_string(data));
  }
  return p;
}

Status infer_Pad(InferContext& ctx) {
  if (ctx.opset() < 11)
    return unsupported(ctx.node().describe() + ": Pad before opset 11 (pads attribute) is not "
                       "supported");
  RETURN_IF_ERROR(ctx.expect_arity(2, ctx.opset() >= 18 ? 4 : 3));
  RETURN_IF_ERROR(ctx.expect_dtype(1, {DataType::kInt64}));
  ASSIGN_OR_RETURN(const Tensor* pads, ctx.constant_input(1, "pads"));
  if (ctx.has_input(2)) {
    if (ctx.input_dtype(2) != ctx.input_dtype(0))
      return ctx.error("constant_value has dtype " + std::string(dtype_name(ctx.input_dtype(2))) +
                       " but the data has " + std::string(dtype_name(ctx.input_dtype(0))));
    if (shape_numel(ctx.input_shape(2)) != 1)
      return ctx.error("constant_value has shape " + shape_to_string(ctx.input_shape(2)) +
                       ", expected one element");
  }
  const Tensor* axes = nullptr;
  if (ctx.has_input(3)) {
    ASSIGN_OR_RETURN(axes, ctx.constant_input(3, "axes"));
  }
  ASSIGN_OR_RETURN(PadParams p, resolve_pad(ctx.node(), ctx.input_shape(0), *pads, axes));
  ctx.set_output(0, ctx.input_dtype(0), p.out);
  return ok_status();
}

}  // namespace actrt::ops
