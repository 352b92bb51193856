#include "core/finite.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>

namespace actrt {

bool all_finite(const float* x, int64_t n) {
  constexpr uint32_t kExponent = 0x7f800000u;
  constexpr int64_t kBlock = 4096;
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t end = std::min(n, start + kBlock);
    uint32_t bad = 0;
    for (int64_t i = start; i < end; ++i) bad |= (std::bit_cast<uint32_t>(x[i]) & kExponent) == kExponent;
    if (bad) return false;
  }
  return true;
}

std::optional<NonFinite> find_non_finite(const Tensor& t) {
  if (t.empty() || !is_floating(t.dtype())) return std::nullopt;
  const Tensor f = t.dtype() == DataType::kFloat32 ? t : t.to_float32();
  const float* x = f.data<float>();
  const int64_t n = f.numel();
  if (all_finite(x, n)) return std::nullopt;
  NonFinite out;
  out.element = -1;
  for (int64_t i = 0; i < n; ++i) {
    if (std::isfinite(x[i])) continue;
    if (out.element < 0) {
      out.element = i;
      out.value = x[i];
    }
    ++out.count;
  }
  return out;
}

std::string describe_non_finite(const NonFinite& f) {
  return fmt::format("{} at element {}", std::isnan(f.value) ? "NaN" : "Inf", f.element);
}

}  // namespace actrt
