#include "quant/weight_scales.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace actrt::quant {

namespace {

// Splits w's shape around `axis`: outer x channels x inner.
Status split_axis(const Tensor& w, int64_t axis, int64_t& outer, int64_t& channels, int64_t& inner) {
  if (axis < 0 || axis >= w.rank())
    return invalid_argument(fmt::format("weight of shape {}: channel axis {} is out of range",
                                        shape_to_string(w.shape()), axis));
  outer = 1;
  inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= w.shape()[static_cast<size_t>(d)];
  for (int64_t d = axis + 1; d < w.rank(); ++d) inner *= w.shape()[static_cast<size_t>(d)];
  channels = w.shape()[static_cast<size_t>(axis)];
  return ok_status();
}

}  // namespace

int32_t quantize_value(float x, float scale, int32_t lo, int32_t hi) {
  float v = x / scale;
  // Clip before rounding (NaN stays NaN and maps to 0 below).
  v = std::min(std::max(v, static_cast<float>(lo)), static_cast<float>(hi));
  if (std::isnan(v)) return 0;
  return static_cast<int32_t>(std::nearbyint(v));  // default rounding mode: half to even
}

Result<std::vector<float>> per_channel_weight_scales(const Tensor& w, int64_t axis) {
  if (!is_floating(w.dtype()))
    return invalid_argument("per-channel weight scales need a floating-point weight, got " +
                            std::string(dtype_name(w.dtype())));
  int64_t outer, channels, inner;
  RETURN_IF_ERROR(split_axis(w, axis, outer, channels, inner));
  const Tensor f = w.to_float32();
  const float* x = f.data<float>();
  std::vector<float> amax(static_cast<size_t>(channels), 0.0f);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < inner; ++i) {
        const float a = std::fabs(x[(o * channels + c) * inner + i]);
        if (!std::isfinite(a))
          return invalid_argument(fmt::format("weight holds NaN or Inf in channel {}", c));
        amax[static_cast<size_t>(c)] = std::max(amax[static_cast<size_t>(c)], a);
      }
  std::vector<float> scales(amax.size());
  for (size_t c = 0; c < amax.size(); ++c)
    scales[c] = amax[c] > 0 ? static_cast<float>(static_cast<double>(amax[c]) / 127.0) : 1.0f;
  return scales;
}

Result<Tensor> quantize_per_channel(const Tensor& w, int64_t axis, const std::vector<float>& scales) {
  int64_t outer, channels, inner;
  RETURN_IF_ERROR(split_axis(w, axis, outer, channels, inner));
  if (static_cast<int64_t>(scales.size()) != channels)
    return invalid_argument(
        fmt::format("quantize_per_channel: {} scales for {} channels", scales.size(), channels));
  const Tensor f = w.to_float32();
  const float* x = f.data<float>();
  Tensor q(DataType::kInt8, w.shape());
  int8_t* out = q.data<int8_t>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t k = (o * channels + c) * inner + i;
        out[k] = static_cast<int8_t>(quantize_value(x[k], scales[static_cast<size_t>(c)], -127, 127));
      }
  return q;
}

}  // namespace actrt::quant
