#include "policy_options.h"

#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "actrt/engine.h"
#include "actrt/log.h"
#include "core/json.h"
#include "model_cameras.h"
#include "policy/contract_json.h"

namespace actrt::cli {

namespace {

Result<Json> read_json_object(const std::string& path, const char* what) {
  ASSIGN_OR_RETURN(std::string text, bytes_from_path(path));
  Result<Json> json = parse_json(text, path);
  if (!json.ok()) return invalid_argument(json.status().message());
  if (!json->is_object())
    return invalid_argument(fmt::format("{}: expected a JSON object ({}), found {}", path, what,
                                        json_kind_name(*json)));
  return std::move(*json);
}

}  // namespace

void add_policy_options(ArgParser& p) {
  p.group("Policy");
  p.flag("policy",
         "build a policy engine: uint8 camera frames and raw qpos in, actions in robot units out, "
         "with the cameras (--cameras), the statistics (--stats, default stats.json beside MODEL) "
         "and MODEL's .config.json stored in the engine (docs/policy.md)");
  p.option("camera-format", "rgb8|bgr8",
           "--policy: the channel order the cameras deliver (default: the config's camera_format, "
           "else rgb8)");
}

Result<std::optional<PolicyContract>> policy_contract_from(const ArgParser& p, const std::string& model) {
  if (!p.has("policy")) {
    if (p.has("camera-format")) return invalid_argument("--camera-format is only used with --policy");
    return std::optional<PolicyContract>();
  }
  namespace fs = std::filesystem;
  // The contract as JSON, assembled from the config, the statistics and the command line, then
  // read by the one contract reader (policy/contract_json.h).
  Json j = Json::object();
  const std::string config_path = model_config_path(model);
  std::error_code ec;
  if (fs::exists(config_path, ec)) {
    ASSIGN_OR_RETURN(Json config, read_json_object(config_path, "the model's configuration"));
    for (const char* key : {"image_height", "image_width", "state_dim", "action_dim", "chunk_size", "camera_format"})
      if (config.contains(key)) j[key] = config[key];
    if (config.contains("policy")) {
      const Json& runtime = config["policy"];
      if (!runtime.is_object())
        return invalid_argument(fmt::format("{}: 'policy' must be an object, found {}", config_path,
                                            json_kind_name(runtime)));
      for (const auto& [key, value] : runtime.items()) j[key] = value;
    }
  }
  ASSIGN_OR_RETURN(ModelCameras cams, require_model_cameras(p, model));
  j["cameras"] = cams.names;
  if (p.has("camera-format")) j["camera_format"] = p.get("camera-format");

  const std::string stats_path =
      p.has("stats") ? p.get("stats") : (fs::path(model).parent_path() / "stats.json").string();
  if (!fs::exists(stats_path, ec))
    return invalid_argument(fmt::format(
        "--policy needs the normalization statistics the policy was trained with: {} does not exist "
        "(pass --stats FILE.json with qpos_mean, qpos_std, action_mean, action_std; "
        "python/stats_from_pkl.py converts ACT's dataset_stats.pkl)",
        stats_path));
  ASSIGN_OR_RETURN(Json stats, read_json_object(stats_path, "normalization statistics"));
  for (const char* key : {"qpos_mean", "qpos_std", "qpos_min", "qpos_max", "action_mean", "action_std",
                          "action_min", "action_max"})
    if (stats.contains(key)) j[key] = stats[key];

  const std::string source = fmt::format("--policy ({}, {}, {})", cams.source, stats_path,
                                         fs::exists(config_path, ec) ? config_path : "no config");
  ASSIGN_OR_RETURN(PolicyContract contract, policy::contract_from_json(j, source, /*complete=*/false));
  log_info(fmt::format("Policy: cameras {} from {}; statistics from {}", fmt::join(contract.cameras, ","),
                       cams.source, stats_path));
  return std::optional<PolicyContract>(std::move(contract));
}

}  // namespace actrt::cli
