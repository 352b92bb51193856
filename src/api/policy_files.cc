// policy_contract_from_model_files (include/actrt/policy_contract.h): the contract assembled as
// JSON from the model's config and statistics files, then read by the one contract reader.
#include <filesystem>

#include <fmt/format.h>

#include "actrt/engine.h"
#include "actrt/policy_contract.h"
#include "core/json.h"
#include "policy/contract_json.h"

namespace actrt {

namespace {

namespace fs = std::filesystem;

Result<Json> read_json_object(const std::string& path, const char* what) {
  ASSIGN_OR_RETURN(std::string text, bytes_from_path(path));
  Result<Json> json = parse_json(text, path);
  if (!json.ok()) return invalid_argument(json.status().message());
  if (!json->is_object())
    return invalid_argument(fmt::format("{}: expected a JSON object ({}), found {}", path, what, json_kind_name(*json)));
  return std::move(*json);
}

std::string config_path_of(const std::string& model) {
  std::string base = model;
  if (base.size() > 5 && base.substr(base.size() - 5) == ".onnx") base.resize(base.size() - 5);
  return base + ".config.json";
}

}  // namespace

Result<PolicyContract> policy_contract_from_model_files(const std::string& model, const PolicyContractSources& src) {
  Json j = Json::object();
  const std::string config_path = config_path_of(model);
  std::error_code ec;
  const bool has_config = fs::exists(config_path, ec);
  if (has_config) {
    ASSIGN_OR_RETURN(Json config, read_json_object(config_path, "the model's configuration"));
    for (const char* key : {"image_height", "image_width", "state_dim", "action_dim", "chunk_size", "camera_format"})
      if (config.contains(key)) j[key] = config[key];
    if (config.contains("camera_names")) j["cameras"] = config["camera_names"];
    if (config.contains("policy")) {
      const Json& runtime = config["policy"];
      if (!runtime.is_object())
        return invalid_argument(fmt::format("{}: 'policy' must be an object, found {}", config_path,
                                            json_kind_name(runtime)));
      for (const auto& [key, value] : runtime.items()) j[key] = value;
    }
  }
  if (!src.cameras.empty()) j["cameras"] = src.cameras;
  if (!j.contains("cameras"))
    return invalid_argument(fmt::format(
        "the policy's cameras are unknown: pass them in the policy's order (--cameras top,left_wrist) or put "
        "camera_names in {}",
        config_path));
  if (!src.camera_format.empty()) j["camera_format"] = src.camera_format;

  const std::string stats_path =
      !src.stats_path.empty() ? src.stats_path : (fs::path(model).parent_path() / "stats.json").string();
  if (!fs::exists(stats_path, ec))
    return invalid_argument(fmt::format(
        "a policy needs the normalization statistics it was trained with: {} does not exist (give a JSON file "
        "with qpos_mean, qpos_std, action_mean, action_std, e.g. --stats FILE.json; python/stats_from_pkl.py "
        "converts ACT's dataset_stats.pkl)",
        stats_path));
  ASSIGN_OR_RETURN(Json stats, read_json_object(stats_path, "normalization statistics"));
  for (const char* key : {"qpos_mean", "qpos_std", "qpos_min", "qpos_max", "action_mean", "action_std", "action_min",
                          "action_max"})
    if (stats.contains(key)) j[key] = stats[key];
  const std::string source = fmt::format("policy contract from {} and {}", has_config ? config_path : "no config",
                                         stats_path);
  return policy::contract_from_json(j, source, /*complete=*/false);
}

}  // namespace actrt
