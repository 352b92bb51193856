// Finding NaN and infinity in float tensors: the one scan used wherever a value that is valid in
// form but not in meaning must be refused or explained (loaded inputs, calibration data, outputs
// being compared).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "actrt/tensor.h"

namespace actrt {

// Whether every float of x[0, n) is finite, tested on the exponent bits without an early exit so
// that the loop vectorizes (act-base checks 11 MB per calibration sample).
bool all_finite(const float* x, int64_t n);

struct NonFinite {
  int64_t element = 0;  // flat index
  float value = 0;      // NaN, +inf or -inf
  int64_t count = 0;    // how many elements are not finite
};

// The first non-finite element of a floating tensor (f32, f16, bf16) and how many there are;
// nullopt when all are finite or the tensor is not floating.
std::optional<NonFinite> find_non_finite(const Tensor& t);

// "NaN at element 12", "Inf at element 0" (either sign).
std::string describe_non_finite(const NonFinite& f);

}  // namespace actrt
