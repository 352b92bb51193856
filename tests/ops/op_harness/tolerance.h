// Op-harness tolerances: the largest |backend - reference| allowed, relative to the reference
// output's largest magnitude, per op family (op_case.h) and precision.
#pragma once

#include "actrt/precision.h"
#include "op_case.h"

namespace actrt::op_harness {

inline double tolerance(Family f, Precision p) {
  // FP16 engines store activations in FP16 (11-bit mantissa: one rounding is 4.9e-4 relative).
  const bool half = p == Precision::kFp16;
  switch (f) {
    case Family::kMovement: return half ? 1e-3 : 0.0;  // copies, max, relu, casts: exact in FP32
    case Family::kCompare: return 0.0;                  // bools from small integers: always exact
    case Family::kElementwise: return half ? 2e-3 : 1e-6;
    case Family::kTranscendental: return half ? 5e-3 : 2e-5;  // vectorized exp / erf / tanh
    case Family::kAccumulate: return half ? 1e-2 : 1e-4;
    case Family::kQuantize: return half ? 2e-2 : 1e-2;  // one INT8 step where rounding ties differ
  }
  return 0.0;
}

}  // namespace actrt::op_harness
