// The backend contract version an engine file carries: the version of the backend-specific
// encodings its plan stores (the CUDA backend's elementwise codes, copy pieces and tactics; the
// CPU backend's fused-op attributes). A backend bumps Backend::contract_version() when it changes
// how it reads any of them; engines built before the change are then refused with a message
// that says to rebuild, instead of running with misread attributes.
//
// Plans without the key (engine files written before it existed) count as version 1, the
// encodings of that time: they load as before as long as the backend is still at version 1.
#pragma once

#include <string_view>

#include "actrt/status.h"
#include "runtime/backend.h"
#include "runtime/plan.h"

namespace actrt::runtime {

// plan.metadata key holding the version, in decimal.
inline constexpr const char* kBackendContractKey = "backend_contract";
// The version a plan without the key is taken to have.
inline constexpr int kUnversionedContract = 1;

// Stores backend.contract_version() in plan.metadata (the builder, before serializing).
void record_contract_version(const Backend& backend, Plan& plan);

// kVersionMismatch unless the plan's stored version equals backend.contract_version(); the
// message names `source` (the engine file), the backend, both versions and says to rebuild.
// An unreadable stored value is kInvalidModel.
Status check_contract_version(const Plan& plan, const Backend& backend, std::string_view source);

}  // namespace actrt::runtime
