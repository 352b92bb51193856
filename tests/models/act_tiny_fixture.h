// Shared by the model tests: where act-tiny lives and how outputs are compared.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "actrt/tensor.h"

namespace actrt::test {

inline const std::string kActTinyModel =
    std::string(ACTRT_SOURCE_DIR) + "/models/act-tiny/act-tiny.onnx";
// PyTorch's inputs and outputs for the model, written by python/export_act.py.
inline const std::string kActTinyIo =
    std::string(ACTRT_SOURCE_DIR) + "/models/act-tiny/act-tiny.io.npz";

// max |a - b| / max |b|, the issues' accuracy measure; NaN anywhere in `a` gives infinity.
inline double relative_max_error(const Tensor& a, const Tensor& b) {
  double max_diff = 0, max_ref = 0;
  for (int64_t i = 0; i < b.numel(); ++i) {
    const double x = a.element_as_double(i), y = b.element_as_double(i);
    if (std::isnan(x)) return std::numeric_limits<double>::infinity();
    max_diff = std::max(max_diff, std::fabs(x - y));
    max_ref = std::max(max_ref, std::fabs(y));
  }
  return max_diff / max_ref;
}

}  // namespace actrt::test
