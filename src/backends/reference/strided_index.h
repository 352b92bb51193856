// N-d index iteration for the reference kernels.
//
// Every data-movement kernel is "for each output index, find the source element and copy its
// bytes". gather_bytes() is that loop, written once; kernels only supply the index mapping.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "actrt/tensor.h"

namespace actrt::reference {

// Row-major element strides of `shape`.
inline Shape row_major_strides(const Shape& shape) {
  Shape strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}

// Odometer over every index of a shape, last dimension fastest (row-major order).
// A scalar shape yields one (empty) index; a shape with a zero dim yields none.
class NdIndex {
 public:
  explicit NdIndex(const Shape& shape)
      : shape_(shape), index_(shape.size(), 0), done_(shape_numel(shape) == 0) {}

  bool done() const { return done_; }
  const Shape& index() const { return index_; }

  void next() {
    for (size_t i = shape_.size(); i-- > 0;) {
      if (++index_[i] < shape_[i]) return;
      index_[i] = 0;
    }
    done_ = true;  // wrapped around (or scalar: one step only)
  }

 private:
  Shape shape_;
  Shape index_;
  bool done_;
};

// Calls fn(index) for every index of `shape` in row-major order.
template <typename Fn>
void for_each_index(const Shape& shape, Fn&& fn) {
  for (NdIndex it(shape); !it.done(); it.next()) fn(it.index());
}

// Fills `out` element by element in row-major order: `source(index)` returns a pointer to the
// bytes of the element that goes at that output index (an element of some input, or a fill
// value). Works for every dtype: elements are copied as dtype_size(out.dtype()) bytes.
template <typename SourceFn>
void gather_bytes(Tensor& out, SourceFn&& source) {
  const size_t esize = dtype_size(out.dtype());
  uint8_t* dst = static_cast<uint8_t*>(out.raw_data());
  for_each_index(out.shape(), [&](const Shape& index) {
    std::memcpy(dst, source(index), esize);
    dst += esize;
  });
}

// Pointer to element `offset` (in elements) of `t`.
inline const uint8_t* element_ptr(const Tensor& t, int64_t offset) {
  return static_cast<const uint8_t*>(t.raw_data()) +
         static_cast<size_t>(offset) * dtype_size(t.dtype());
}

}  // namespace actrt::reference
