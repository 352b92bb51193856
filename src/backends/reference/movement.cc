// Reference kernels for shape and data-movement ops. Every kernel is one gather_bytes() call
// (strided_index.h) with an index mapping, so each works for every dtype unchanged.
#include <cstring>
#include <string>
#include <vector>

#include "backends/reference/reference_kernels.h"
#include "backends/reference/strided_index.h"
#include "ops/movement_params.h"

namespace actrt::reference {

namespace {

int64_t rank_of(const Tensor& t) { return t.rank(); }

// Attribute `axis` normalized for `rank` (the shape inference already validated it).
Result<int64_t> axis_attr(const KernelArgs& args, int64_t dflt, int64_t rank) {
  ASSIGN_OR_RETURN(int64_t axis, args.node.attr_int("axis", dflt));
  if (axis < -rank || axis >= rank)
    return args.error("axis " + std::to_string(axis) + " is out of range for rank " +
                      std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

// Reshape-like ops keep row-major element order: the bytes are copied unchanged.
Status copy_bytes(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  Tensor& y = args.outputs[0];
  if (y.nbytes() != x.nbytes() || y.dtype() != x.dtype())
    return args.error("output " + shape_to_string(y.shape()) + " does not hold the " +
                      std::to_string(x.numel()) + " elements of input " +
                      shape_to_string(x.shape()));
  if (x.nbytes()) std::memcpy(y.raw_data(), x.raw_data(), x.nbytes());
  return ok_status();
}

}  // namespace

Status ref_Reshape(const KernelArgs& args) { return copy_bytes(args); }
Status ref_Flatten(const KernelArgs& args) { return copy_bytes(args); }
Status ref_Squeeze(const KernelArgs& args) { return copy_bytes(args); }
Status ref_Unsqueeze(const KernelArgs& args) { return copy_bytes(args); }

Status ref_Transpose(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  const int64_t rank = rank_of(x);
  std::vector<int64_t> dflt(static_cast<size_t>(rank));
  for (int64_t i = 0; i < rank; ++i) dflt[i] = rank - 1 - i;
  ASSIGN_OR_RETURN(std::vector<int64_t> perm, args.node.attr_ints("perm", dflt));
  CHECK(static_cast<int64_t>(perm.size()) == rank);
  const Shape strides = row_major_strides(x.shape());
  gather_bytes(args.outputs[0], [&](const Shape& idx) {
    int64_t off = 0;
    for (int64_t i = 0; i < rank; ++i) off += idx[i] * strides[perm[i]];
    return element_ptr(x, off);
  });
  return ok_status();
}

Status ref_Concat(const KernelArgs& args) {
  Tensor& y = args.outputs[0];
  const int64_t rank = y.rank();
  ASSIGN_OR_RETURN(int64_t axis, axis_attr(args, 0, rank));
  // Input j covers output positions [begin[j], begin[j+1]) along the axis.
  std::vector<int64_t> begin = {0};
  std::vector<Shape> strides;
  for (const Tensor* t : args.inputs) {
    begin.push_back(begin.back() + t->shape()[axis]);
    strides.push_back(row_major_strides(t->shape()));
  }
  gather_bytes(y, [&](const Shape& idx) {
    size_t j = 0;
    while (idx[axis] >= begin[j + 1]) ++j;  // empty inputs are skipped naturally
    int64_t off = 0;
    for (int64_t d = 0; d < rank; ++d)
      off += (d == axis ? idx[d] - begin[j] : idx[d]) * strides[j][d];
    return element_ptr(*args.inputs[j], off);
  });
  return ok_status();
}

Status ref_Split(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  const int64_t rank = x.rank();
  ASSIGN_OR_RETURN(int64_t axis, axis_attr(args, 0, rank));
  const Shape strides = row_major_strides(x.shape());
  int64_t base = 0;  // where this output starts along the axis
  for (Tensor& y : args.outputs) {
    gather_bytes(y, [&](const Shape& idx) {
      int64_t off = base * strides[axis];
      for (int64_t d = 0; d < rank; ++d) off += idx[d] * strides[d];
      return element_ptr(x, off);
    });
    base += y.shape()[axis];
  }
  if (base != x.shape()[axis])
    return args.error("outputs cover " + std::to_string(base) + " of the " +
                      std::to_string(x.shape()[axis]) + " entries along axis " +
                      std::to_string(axis));
  return ok_status();
}

Status ref_Slice(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  if (!args.input(1) || !args.input(2)) return args.error("starts and ends are required");
  ASSIGN_OR_RETURN(ops::SliceParams p,
                   ops::resolve_slice(args.node, x.shape(), *args.input(1), *args.input(2),
                                      args.input(3), args.input(4)));
  CHECK(p.out == args.outputs[0].shape());
  const Shape strides = row_major_strides(x.shape());
  gather_bytes(args.outputs[0], [&](const Shape& idx) {
    int64_t off = 0;
    for (size_t d = 0; d < idx.size(); ++d) off += (p.starts[d] + idx[d] * p.steps[d]) * strides[d];
    return element_ptr(x, off);
  });
  return ok_status();
}

Status ref_Gather(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  const Tensor& ind = *args.input(1);
  const int64_t rank = x.rank();
  ASSIGN_OR_RETURN(int64_t axis, axis_attr(args, 0, rank));
  const int64_t dim = x.shape()[axis];
  // Resolve negative indices and check the range once, before the copy loop.
  std::vector<int64_t> indices = ind.to_int64_vector();
  for (int64_t& v : indices) {
    if (v < -dim || v >= dim)
      return args.error("index " + std::to_string(v) + " is out of range for axis " +
                        std::to_string(axis) + " of size " + std::to_string(dim));
    if (v < 0) v += dim;
  }
  const Shape strides = row_major_strides(x.shape());
  const Shape ind_strides = row_major_strides(ind.shape());
  const int64_t q = ind.rank();
  gather_bytes(args.outputs[0], [&](const Shape& idx) {
    int64_t k = 0;  // flat position in the indices tensor
    for (int64_t j = 0; j < q; ++j) k += idx[axis + j] * ind_strides[j];
    int64_t off = indices[k] * strides[axis];
    for (int64_t d = 0; d < axis; ++d) off += idx[d] * strides[d];
    for (int64_t d = axis + 1; d < rank; ++d) off += idx[d - 1 + q] * strides[d];
    return element_ptr(x, off);
  });
  return ok_status();
}

Status ref_Tile(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  const Shape strides = row_major_strides(x.shape());
  gather_bytes(args.outputs[0], [&](const Shape& idx) {
    int64_t off = 0;
    for (size_t d = 0; d < idx.size(); ++d) off += (idx[d] % x.shape()[d]) * strides[d];
    return element_ptr(x, off);
  });
  return ok_status();
}

Status ref_Pad(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  if (!args.input(1)) return args.error("pads are required");
  ASSIGN_OR_RETURN(ops::PadParams p,
                   ops::resolve_pad(args.node, x.shape(), *args.input(1), args.input(3)));
  CHECK(p.out == args.outputs[0].shape());
  std::vector<uint8_t> fill(dtype_size(x.dtype()), 0);  // constant_value defaults to 0
  if (const Tensor* c = args.input(2); c && c->numel() > 0) {
    if (c->dtype() != x.dtype()) return args.error("constant_value dtype differs from data");
    std::memcpy(fill.data(), c->raw_data(), fill.size());
  }
  const Shape& dims = x.shape();
  const Shape strides = row_major_strides(dims);
  gather_bytes(args.outputs[0], [&](const Shape& idx) -> const uint8_t* {
    int64_t off = 0;
    for (size_t d = 0; d < idx.size(); ++d) {
      int64_t i = idx[d] - p.begin[d];
      const int64_t n = dims[d];
      if (i < 0 || i >= n) {
        if (p.mode == ops::PadMode::kConstant) return fill.data();
        if (p.mode == ops::PadMode::kEdge) {
          i = i < 0 ? 0 : n - 1;
        } else if (n == 1) {
          i = 0;
        } else {
          // Reflect about the edges without repeating them (numpy 'reflect'); pads wider
          // than the axis keep bouncing, which is what numpy.pad (the ONNX reference) does.
          const int64_t period = 2 * (n - 1);
          i = ((i % period) + period) % period;
          if (i >= n) i = period - i;
        }
      }
      off += i * strides[d];
    }
    return element_ptr(x, off);
  });
  return ok_status();
}

}  // namespace actrt::reference
