// `actrt build MODEL --policy`: the command-line side of the policy contract. Where each field
// comes from (the model's config and statistics files, overridden by --cameras, --stats and
// --camera-format) is policy_contract_from_model_files's (include/actrt/policy_contract.h).
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
