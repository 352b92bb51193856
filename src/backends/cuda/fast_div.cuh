// Division by a runtime constant as a multiply-high and a shift (Granlund-Montgomery, as
// PyTorch's IntDivider): exact for dividends below 2^31. 32-bit `%` and `/` cost ~20 instructions
// each and 64-bit ones several times that; index arithmetic of elementwise and copy kernels does
// one per dimension per element. Included by .cu files only.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace actrt::cuda {

struct FastDiv {
  uint32_t divisor = 1, mul = 0, shift = 0;
};

// Host side: the constants for divisor d (d >= 1).
inline FastDiv make_fast_div(uint32_t d) {
  FastDiv f;
  f.divisor = d;
  while (f.shift < 32 && (uint64_t(1) << f.shift) < d) ++f.shift;
  f.mul = uint32_t(((uint64_t(1) << 32) * ((uint64_t(1) << f.shift) - d)) / d + 1);
  return f;
}

// n / f.divisor for n < 2^31.
__device__ __forceinline__ uint32_t fast_div(uint32_t n, const FastDiv& f) {
  return (__umulhi(n, f.mul) + n) >> f.shift;
}

}  // namespace actrt::cuda
