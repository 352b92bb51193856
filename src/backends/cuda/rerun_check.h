// The build-time check of an INT8 CUDA plan: a context runs the forward three times on the same
// seeded random inputs, and the second and third runs must reproduce the first.
//
// Why: on the H100 with cuDNN 9.14, some combinations of the runtime-compiled INT8 engine
// configurations gave wrong results (20-60 % off) from a context's second run on: their kernels
// start early (programmatic dependent launch) and read their input before the previous
// convolution has written it. launch_order.h now serializes them; this check stays as the net
// for library behaviour of that kind: a wrong run after a right one means the build keeps its
// convolutions in floating point, with a warning, instead of handing out an engine that is
// silently wrong.
#pragma once

#include <string>

#include "actrt/status.h"
#include "runtime/backend.h"
#include "runtime/plan.h"

namespace actrt::cuda {

// "" when three runs of `plan` on `backend` agree (floating-point outputs within 1 % of each
// output's largest magnitude, others byte for byte), else which output of which run differs.
// Plans with an input of unknown shape are not checked ("").
Result<std::string> check_reruns(const runtime::Backend& backend, const runtime::Plan& plan);

}  // namespace actrt::cuda
