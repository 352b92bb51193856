// The scales an Int8Conv / Int8MatMul node carries (fused_ops.h), read and checked in one place,
// and the two conversions both INT8 kernels need for oneDNN 2.x's output-scale convention.
#pragma once

#include <vector>

#include "actrt/status.h"
#include "actrt/tensor.h"
#include "ir/graph.h"

namespace actrt::cpu {

struct Int8Scales {
  float x_scale = 0;             // the activation input's per-tensor scale
  std::vector<float> w_scales;   // one per output channel
};

// x_scale > 0 and `channels` finite w_scales > 0; errors name the node.
Result<Int8Scales> int8_scales_of(const ir::Node& node, int64_t channels);

// Per output channel: alpha * x_scale * w_scales[c], what turns the s32 accumulator into f32.
std::vector<float> output_scales(const Int8Scales& s, float alpha);

// oneDNN 2.x adds the bias to the s32 accumulator before the output scales, so an f32 bias b[c]
// is passed as b[c] / out_scales[c]. A bias of one element is broadcast to every channel.
Tensor bias_before_scales(const Tensor& bias, const std::vector<float>& out_scales);

}  // namespace actrt::cpu
