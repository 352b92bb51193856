#include "policy_options.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "actrt/log.h"
#include "model_cameras.h"

namespace actrt::cli {

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
  PolicyContractSources src;
  if (p.has("cameras")) {
    src.cameras = p.get_list("cameras");
    if (src.cameras.empty()) return invalid_argument("--cameras: no camera names given");
  }
  src.stats_path = p.get("stats");
  src.camera_format = p.get("camera-format");
  ASSIGN_OR_RETURN(PolicyContract contract, policy_contract_from_model_files(model, src));
  log_info(fmt::format("Policy: cameras {} ({}); statistics {}", fmt::join(contract.cameras, ","),
                       p.has("cameras") ? "--cameras" : model_config_path(model),
                       src.stats_path.empty() ? "stats.json beside the model" : src.stats_path));
  return std::optional<PolicyContract>(std::move(contract));
}

}  // namespace actrt::cli
