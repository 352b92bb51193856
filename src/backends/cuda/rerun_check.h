// The build-time check of an INT8 CUDA plan: a context runs the forward three times on the same
// seeded random inputs, and the second and third runs must reproduce the first.
//
// Why: on the H100 with cuDNN 9.14, some combinations of the runtime-compiled INT8 engine
// configurations that tactic timing may pick give wrong results (20-60 % off) from a context's
// second run on, eagerly and from CUDA graphs alike (docs/performance.md "Session 4";
// tests/ops/cuda_int8_rerun_test.cc separates the suspects). The first run is right, so a build
// can tell: CudaBackend::compile keeps such a build's convolutions in floating point, with a
// warning, instead of handing out an engine that is silently wrong.
#pragma once

#include <string>

#include "actrt/status.h"
#include "engine/backend.h"
#include "engine/plan.h"

namespace actrt::cuda {

// "" when three runs of `plan` on `backend` agree (floating-point outputs within 1 % of each
// output's largest magnitude, others byte for byte), else which output of which run differs.
// Plans with an input of unknown shape are not checked ("").
Result<std::string> check_reruns(const engine::Backend& backend, const engine::Plan& plan);

}  // namespace actrt::cuda
