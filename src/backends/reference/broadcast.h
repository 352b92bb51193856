// Numpy-style broadcasting for reference kernels: walks an output shape and gives, for every
// output element, the element offset in each (broadcast) input.
#pragma once

#include <cstdint>
#include <vector>

#include "actrt/tensor.h"

namespace actrt::reference {

// Row-major element strides of `in` aligned to the right of `out`, with 0 on dimensions that
// `in` lacks or has as 1 (so the same input element is reused along them).
inline std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  const size_t rank = out.size();
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (size_t k = 0; k < in.size(); ++k) {
    const size_t in_dim = in.size() - 1 - k;
    const size_t out_dim = rank - 1 - k;
    strides[out_dim] = in[in_dim] == 1 ? 0 : stride;
    stride *= in[in_dim];
  }
  return strides;
}

// Calls fn(out_index, offsets) for every element of `out` in row-major order, where offsets[k] is
// the offset of the matching element of an input of shape ins[k] (each broadcastable to out;
// shape inference has checked that).
template <typename Fn>
void for_each_broadcast(const Shape& out, const std::vector<Shape>& ins, Fn&& fn) {
  const size_t rank = out.size();
  const size_t n = ins.size();
  std::vector<std::vector<int64_t>> strides;
  for (const Shape& s : ins) strides.push_back(broadcast_strides(s, out));
  std::vector<int64_t> coord(rank, 0);
  std::vector<int64_t> offsets(n, 0);
  const int64_t total = shape_numel(out);
  for (int64_t i = 0; i < total; ++i) {
    fn(i, static_cast<const int64_t*>(offsets.data()));
    // Odometer increment of the coordinate, updating every input offset on the way.
    for (size_t d = rank; d-- > 0;) {
      if (++coord[d] < out[d]) {
        for (size_t k = 0; k < n; ++k) offsets[k] += strides[k][d];
        break;
      }
      for (size_t k = 0; k < n; ++k) offsets[k] -= strides[k][d] * (out[d] - 1);
      coord[d] = 0;
    }
  }
}

}  // namespace actrt::reference
