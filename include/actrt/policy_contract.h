// The policy contract: what a policy engine (`actrt build MODEL --policy`) expects and produces,
// stored in the engine file and shown by `actrt inspect ENGINE` (docs/policy.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actrt/status.h"

namespace actrt {

// How a vector (qpos or actions) is normalized for the network.
enum class Normalization {
  kMeanStd,   // (x - mean) / (std + eps); inverse x * (std + eps) + mean
  kMinMax,    // 2 (x - min) / (max - min + eps) - 1; inverse (y + 1) / 2 (max - min + eps) + min
  kIdentity,  // unchanged
};
const char* normalization_name(Normalization n);  // "mean_std", "min_max", "identity"

// Byte order of a camera's pixels.
enum class CameraFormat { kRgb8, kBgr8 };
const char* camera_format_name(CameraFormat f);  // "rgb8", "bgr8"

// What a policy engine expects and produces, stored in the engine file.
struct PolicyContract {
  std::vector<std::string> cameras;  // engine input names, in the policy's (training) order
  int64_t image_height = 0, image_width = 0;
  CameraFormat camera_format = CameraFormat::kRgb8;  // what the cameras deliver
  int64_t state_dim = 0, action_dim = 0;
  int64_t chunk_size = 0;  // actions predicted per query
  Normalization state_normalization = Normalization::kMeanStd;
  Normalization action_normalization = Normalization::kMeanStd;
  // Added to std (mean_std) or to max - min (min_max): 0 for the original ACT (its std is
  // clipped at 0.01 instead), 1e-8 for LeRobot.
  float norm_eps = 0;
  std::vector<float> qpos_mean, qpos_std, action_mean, action_std;  // state_dim / action_dim
  std::vector<float> qpos_min, qpos_max, action_min, action_max;    // empty when unknown
  // Runtime defaults the policy was trained for (PolicyOptions may override them):
  int64_t n_action_steps = 0;  // chunked mode: steps played per query (0: chunk_size)
  std::optional<double> temporal_ensemble_coeff;  // set: temporal ensembling with this k
  std::string source = "act";  // who trained it: "act" (the original code) or "lerobot"

  // Names of the engine's raw-qpos input and robot-unit action output.
  static constexpr const char* kQposInput = "qpos";
  static constexpr const char* kActionsOutput = "actions";

  // Checks sizes, names and statistics (finite, std > 0, min <= max); the error names the field.
  Status validate() const;
  // Index of `camera` in `cameras`, or -1.
  int camera_index(const std::string& camera) const;
};

// Where `actrt build --policy` (and Python's policy=...) take a contract from: the files
// python/export_act.py and export_lerobot.py write beside the model (docs/policy.md).
struct PolicyContractSources {
  std::vector<std::string> cameras;  // empty: camera_names of <model>.config.json
  std::string stats_path;            // "": stats.json beside the model
  std::string camera_format;         // "": the config's camera_format, else rgb8
};

// The contract of `model` (an .onnx path) from <model>.config.json (sizes, camera_names, the
// optional "policy" object: source, n_action_steps, temporal_ensemble_coeff,
// state_normalization, action_normalization, norm_eps) and the statistics file (qpos_mean,
// qpos_std, action_mean, action_std; qpos_min/max, action_min/max when present). Sizes the
// config lacks stay 0 and are taken from the model when the network is built. Errors name the
// file and key, or say which file is missing and how to make it.
Result<PolicyContract> policy_contract_from_model_files(const std::string& model,
                                                        const PolicyContractSources& sources = {});

}  // namespace actrt
