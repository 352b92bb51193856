// Helpers shared by the FP32 (conv_kernel.cc) and INT8 (int8_conv_kernel.cc) convolution and
// pooling kernels: ONNX attributes to oneDNN dims, and the in-place rule for residual sums.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include "actrt/status.h"
#include "ir/graph.h"

namespace actrt::cpu {

struct Conv2dParams {
  dnnl::memory::dims strides{1, 1}, dilates{0, 0}, pad_l{0, 0}, pad_r{0, 0}, kernel{1, 1};
  int64_t group = 1;
};

// strides / pads / dilations (oneDNN counts dilation from 0) / kernel_shape, and group for convs.
Result<Conv2dParams> conv_params(const ir::Node& node, bool is_pool);

// auto_pad is NOTSET or VALID (explicit pads); SAME_* is not lowered.
bool explicit_padding(const ir::Node& node);

// The checks FusedConv and Int8Conv share after input, weights and bias: the residual input
// (a runtime f32 tensor if present), explicit padding, valid attributes, an f32 output.
Status conv_rest_accepts(const ir::Node& node);

// Whether `node` is the last reader of v: no node after it in graph order (the order steps are
// built and run in) reads v. ResNet's skip input is read by the block's first conv and then by
// the residual sum of its last conv, which may then overwrite it in place.
bool last_reader(const ir::Graph& g, const ir::Value* v, const ir::Node& node);

// An f32 descriptor of `s` with format_tag::any (oneDNN picks the layout).
dnnl::memory::desc any_md(const Shape& s);

}  // namespace actrt::cpu
