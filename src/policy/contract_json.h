// The policy contract as JSON: how engine files store it (metadata key kPolicyContractKey) and
// how `actrt inspect` shows it.
//
//   {"format": 1, "source": "act", "cameras": ["top", "left_wrist"], "image_height": 480,
//    "image_width": 640, "camera_format": "rgb8", "state_dim": 6, "action_dim": 6,
//    "chunk_size": 100, "state_normalization": "mean_std", "action_normalization": "mean_std",
//    "norm_eps": 0, "qpos_mean": [...], "qpos_std": [...], "action_mean": [...],
//    "action_std": [...], "action_min": [...], "action_max": [...],   (min/max only when known)
//    "n_action_steps": 100, "temporal_ensemble_coeff": null}
//
// Floats are written in their shortest round-trip form, so load -> save reproduces the bytes.
#pragma once

#include <string>
#include <string_view>

#include "actrt/policy.h"
#include "core/json.h"

namespace actrt::policy {

// Engine metadata key of the contract.
inline constexpr const char* kPolicyContractKey = "policy_contract";
// Bumped when a field changes meaning; a newer format is refused with both numbers named.
inline constexpr int kContractFormat = 1;

Json contract_to_json(const PolicyContract& contract);
// Parses and validates; errors name `source` and the field. With `complete` false, sizes may be
// missing (0) and nothing is validated: `actrt build --policy` assembles a contract from the
// model's config and statistics files, and add_policy_io fills the sizes from the model.
Result<PolicyContract> contract_from_json(const Json& json, std::string_view source,
                                          bool complete = true);
Result<PolicyContract> contract_from_text(std::string_view text, std::string_view source);

// The contract for people (`actrt inspect ENGINE`), one "  key  value" line each.
std::string describe_contract(const PolicyContract& contract);

Result<Normalization> parse_normalization(std::string_view text, std::string_view where);
Result<CameraFormat> parse_camera_format(std::string_view text, std::string_view where);

}  // namespace actrt::policy
