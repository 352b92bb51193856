#include "backends/cpu/int8_util.h"

#include <cmath>

namespace actrt::cpu {

Result<Int8Scales> int8_scales_of(const ir::Node& node, int64_t channels) {
  Int8Scales s;
  ASSIGN_OR_RETURN(s.x_scale, node.attr_float("x_scale", 0.0f));
  ASSIGN_OR_RETURN(s.w_scales, node.attr_floats("w_scales", {}));
  if (!(s.x_scale > 0.0f) || !std::isfinite(s.x_scale))
    return invalid_model(node.describe() + ": x_scale must be finite and > 0, found " +
                         std::to_string(s.x_scale));
  if (static_cast<int64_t>(s.w_scales.size()) != channels)
    return invalid_model(node.describe() + ": expected " + std::to_string(channels) +
                         " w_scales (one per output channel), found " +
                         std::to_string(s.w_scales.size()));
  for (size_t c = 0; c < s.w_scales.size(); ++c)
    if (!(s.w_scales[c] > 0.0f) || !std::isfinite(s.w_scales[c]))
      return invalid_model(node.describe() + ": w_scales[" + std::to_string(c) +
                           "] must be finite and > 0, found " + std::to_string(s.w_scales[c]));
  return s;
}

std::vector<float> output_scales(const Int8Scales& s, float alpha) {
  std::vector<float> out(s.w_scales.size());
  for (size_t c = 0; c < out.size(); ++c) out[c] = alpha * s.x_scale * s.w_scales[c];
  return out;
}

Tensor bias_before_scales(const Tensor& bias, const std::vector<float>& out_scales) {
  const int64_t n = static_cast<int64_t>(out_scales.size());
  Tensor out(DataType::kFloat32, {n});
  const float* b = bias.data<float>();
  for (int64_t c = 0; c < n; ++c)
    out.data<float>()[c] = b[bias.numel() == 1 ? 0 : c] / out_scales[c];
  return out;
}

}  // namespace actrt::cpu
