// What the reference runner (src/api/reference_runner.cc) and the engine runner
// (src/api/runtime/engine_runner.cc) share: their timing and the wording of "not active".
#pragma once

#include <chrono>
#include <string>

#include "actrt/status.h"

namespace actrt::api {

// Milliseconds from t0 to now (Runner::last_inference_ms).
inline double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// The error of infer() on a runner that was not activated.
inline Status not_active(const std::string& name) {
  return invalid_argument("runner '" + name + "' is not active: call activate() (or use "
                          "RunnerActivation) before infer()");
}

}  // namespace actrt::api
