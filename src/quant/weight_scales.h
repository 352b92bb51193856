// Per-output-channel symmetric weight quantization (TensorRT's rule, shared/ANCHORS.md):
// s[c] = max |w[c, ...]| / 127, q = round_half_even(w / s) clamped to [-127, 127] (-128 unused,
// so that the range is symmetric). A channel of zeros gets s = 1 (any positive scale represents
// it exactly, and a zero scale would divide by zero in Q/DQ consumers).
#pragma once

#include <cstdint>
#include <vector>

#include "actrt/status.h"
#include "actrt/tensor.h"

namespace actrt::quant {

// Scales along `axis` (the output-channel axis: 0 for Conv [M, C/g, kh, kw] and Gemm with
// transB; rank-1 for MatMul [.., K, N]). The tensor must be floating point.
Result<std::vector<float>> per_channel_weight_scales(const Tensor& w, int64_t axis);

// int8 values of w with the given per-channel scales along `axis`.
Result<Tensor> quantize_per_channel(const Tensor& w, int64_t axis, const std::vector<float>& scales);

// round_half_even(clip(x / scale, lo, hi)) in float, as ONNX QuantizeLinear and TensorRT do.
int32_t quantize_value(float x, float scale, int32_t lo, int32_t hi);

}  // namespace actrt::quant
