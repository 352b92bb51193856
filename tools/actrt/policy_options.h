// `actrt build MODEL --policy`: the policy contract from the command line and the files that
// python/export_act.py (and export_lerobot.py) write beside the model (docs/policy.md):
//   cameras      --cameras, else camera_names of <model>.config.json
//   sizes        image_height, image_width, state_dim, action_dim, chunk_size of the config
//                (any missing one is taken from the model's shapes)
//   runtime      the config's "policy" object, when present: source, n_action_steps,
//                temporal_ensemble_coeff, state_normalization, action_normalization, norm_eps
//   statistics   --stats FILE, else stats.json beside the model: qpos_mean, qpos_std,
//                action_mean, action_std and, when present, qpos_min/max, action_min/max
//   pixels       --camera-format rgb8|bgr8, else the config's camera_format, else rgb8
#pragma once

#include <optional>
#include <string>

#include "actrt/policy_contract.h"
#include "actrt/status.h"
#include "args.h"

namespace actrt::cli {

// --policy and --camera-format (group "Policy"); --cameras and --stats come with the
// calibration options, which build also has.
void add_policy_options(ArgParser& parser);

// nullopt without --policy; else the contract (sizes may still be 0: the model fills them).
Result<std::optional<PolicyContract>> policy_contract_from(const ArgParser& parser,
                                                           const std::string& model);

}  // namespace actrt::cli
