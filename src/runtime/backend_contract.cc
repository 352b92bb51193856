#include "runtime/backend_contract.h"

#include <charconv>
#include <string>

namespace actrt::runtime {

void record_contract_version(const Backend& backend, Plan& plan) {
  plan.metadata[kBackendContractKey] = std::to_string(backend.contract_version());
}

Status check_contract_version(const Plan& plan, const Backend& backend, std::string_view source) {
  const std::string where(source);
  const std::string name(backend_name(backend.kind()));
  int stored = kUnversionedContract;
  if (auto it = plan.metadata.find(kBackendContractKey); it != plan.metadata.end()) {
    const std::string& text = it->second;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), stored);
    if (ec != std::errc() || end != text.data() + text.size() || stored < 1)
      return invalid_model(where + ": metadata '" + kBackendContractKey + "' is '" + text +
                           "', expected a positive whole number (the " + name +
                           " backend's contract version)");
  }
  const int expected = backend.contract_version();
  if (stored != expected)
    return version_mismatch(where + ": engine built for " + name + " backend contract version " +
                            std::to_string(stored) + ", but this actrt's " + name +
                            " backend reads version " + std::to_string(expected) +
                            " (the backend's stored op encodings changed); rebuild the engine "
                            "from its ONNX model with this actrt");
  return ok_status();
}

}  // namespace actrt::runtime
