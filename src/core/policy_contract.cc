// PolicyContract's own checks (include/actrt/policy_contract.h): plain data, so it lives in core
// where both the builder (passes/add_policy_io) and the runtime (src/policy) can use it.
#include <cmath>

#include <fmt/format.h>

#include "actrt/policy_contract.h"

namespace actrt {

const char* normalization_name(Normalization n) {
  switch (n) {
    case Normalization::kMeanStd: return "mean_std";
    case Normalization::kMinMax: return "min_max";
    case Normalization::kIdentity: return "identity";
  }
  return "?";
}

const char* camera_format_name(CameraFormat f) {
  return f == CameraFormat::kBgr8 ? "bgr8" : "rgb8";
}

int PolicyContract::camera_index(const std::string& camera) const {
  for (size_t i = 0; i < cameras.size(); ++i)
    if (cameras[i] == camera) return static_cast<int>(i);
  return -1;
}

namespace {

// A statistics vector: `dim` finite values (empty allowed when `optional`).
Status check_vector(const std::vector<float>& v, const char* name, int64_t dim, bool optional) {
  if (v.empty() && optional) return ok_status();
  if (static_cast<int64_t>(v.size()) != dim)
    return invalid_argument(fmt::format("policy contract: '{}' has {} values, expected {}", name,
                                        v.size(), dim));
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i]))
      return invalid_argument(fmt::format("policy contract: '{}'[{}] is not finite", name, i));
  return ok_status();
}

// What a normalization needs: mean/std (std + eps > 0) or min/max (max - min + eps > 0).
Status check_normalization(Normalization mode, const char* what, const std::vector<float>& mean,
                           const std::vector<float>& stdev, const std::vector<float>& lo,
                           const std::vector<float>& hi, float eps) {
  const std::string prefix = what;
  if (mode == Normalization::kMeanStd) {
    if (mean.empty() || stdev.empty())
      return invalid_argument(fmt::format(
          "policy contract: {} normalization is mean_std but '{}_mean' / '{}_std' are missing",
          what, prefix, prefix));
    for (size_t i = 0; i < stdev.size(); ++i)
      if (!(stdev[i] + eps > 0))
        return invalid_argument(fmt::format("policy contract: '{}_std'[{}] = {} is not > 0", prefix,
                                            i, stdev[i]));
  }
  if (mode == Normalization::kMinMax) {
    if (lo.empty() || hi.empty())
      return invalid_argument(fmt::format(
          "policy contract: {} normalization is min_max but '{}_min' / '{}_max' are missing", what,
          prefix, prefix));
  }
  for (size_t i = 0; i < std::min(lo.size(), hi.size()); ++i)
    if (lo[i] > hi[i])
      return invalid_argument(fmt::format("policy contract: '{}_min'[{}] = {} > '{}_max'[{}] = {}",
                                          prefix, i, lo[i], prefix, i, hi[i]));
  if (mode == Normalization::kMinMax)
    for (size_t i = 0; i < lo.size(); ++i)
      if (!(hi[i] - lo[i] + eps > 0))
        return invalid_argument(fmt::format(
            "policy contract: '{}_max'[{}] - '{}_min'[{}] + norm_eps is not > 0 (the range is "
            "empty)",
            prefix, i, prefix, i));
  return ok_status();
}

}  // namespace

Status PolicyContract::validate() const {
  if (cameras.empty()) return invalid_argument("policy contract: no cameras");
  for (size_t i = 0; i < cameras.size(); ++i) {
    if (cameras[i].empty()) return invalid_argument(fmt::format("policy contract: camera {} has no name", i));
    if (cameras[i] == kQposInput)
      return invalid_argument(fmt::format(
          "policy contract: camera {} is named '{}', which is the qpos input's name", i, kQposInput));
    for (size_t j = 0; j < i; ++j)
      if (cameras[j] == cameras[i])
        return invalid_argument(fmt::format("policy contract: camera '{}' is listed twice", cameras[i]));
  }
  // Sizes up to what any camera or robot has, so that products below cannot overflow.
  constexpr int64_t kMaxSide = 1 << 15, kMaxDim = 1 << 12, kMaxChunk = 1 << 16;
  const std::pair<const char*, std::pair<int64_t, int64_t>> sizes[] = {
      {"image_height", {image_height, kMaxSide}}, {"image_width", {image_width, kMaxSide}},
      {"state_dim", {state_dim, kMaxDim}},        {"action_dim", {action_dim, kMaxDim}},
      {"chunk_size", {chunk_size, kMaxChunk}}};
  for (const auto& [name, v] : sizes)
    if (v.first < 1 || v.first > v.second)
      return invalid_argument(fmt::format("policy contract: '{}' = {} is outside [1, {}]", name,
                                          v.first, v.second));
  if (n_action_steps < 0 || n_action_steps > chunk_size)
    return invalid_argument(fmt::format(
        "policy contract: 'n_action_steps' = {} is outside [0, chunk_size = {}]", n_action_steps,
        chunk_size));
  if (temporal_ensemble_coeff && !std::isfinite(*temporal_ensemble_coeff))
    return invalid_argument("policy contract: 'temporal_ensemble_coeff' is not finite");
  if (!std::isfinite(norm_eps) || norm_eps < 0)
    return invalid_argument(fmt::format("policy contract: 'norm_eps' = {} is not a finite value >= 0", norm_eps));
  RETURN_IF_ERROR(check_vector(qpos_mean, "qpos_mean", state_dim, true));
  RETURN_IF_ERROR(check_vector(qpos_std, "qpos_std", state_dim, true));
  RETURN_IF_ERROR(check_vector(qpos_min, "qpos_min", state_dim, true));
  RETURN_IF_ERROR(check_vector(qpos_max, "qpos_max", state_dim, true));
  RETURN_IF_ERROR(check_vector(action_mean, "action_mean", action_dim, true));
  RETURN_IF_ERROR(check_vector(action_std, "action_std", action_dim, true));
  RETURN_IF_ERROR(check_vector(action_min, "action_min", action_dim, true));
  RETURN_IF_ERROR(check_vector(action_max, "action_max", action_dim, true));
  if (qpos_min.empty() != qpos_max.empty())
    return invalid_argument("policy contract: 'qpos_min' and 'qpos_max' come together");
  if (action_min.empty() != action_max.empty())
    return invalid_argument("policy contract: 'action_min' and 'action_max' come together");
  RETURN_IF_ERROR(check_normalization(state_normalization, "qpos", qpos_mean, qpos_std, qpos_min,
                                      qpos_max, norm_eps));
  RETURN_IF_ERROR(check_normalization(action_normalization, "action", action_mean, action_std,
                                      action_min, action_max, norm_eps));
  return ok_status();
}

}  // namespace actrt
