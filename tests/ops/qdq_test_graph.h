// An explicitly quantized convolution as `actrt quantize` and PyTorch's quantization export
// write it, for the backends' Q/DQ tests:
//   x -> QuantizeLinear -> DequantizeLinear (scale sx, zero point 0)
//     -> Conv(., DequantizeLinear(int8 W, per-channel scales, axis 0), bias) -> Relu.
// Every output channel's int8 weights reach |q| = 127, so a backend that re-derives the
// per-channel scales as max |w| / 127 gets the model's own.
#pragma once

#include <memory>
#include <random>
#include <vector>

#include "graph_builder.h"

namespace actrt::test_graph {

inline std::unique_ptr<ir::Graph> qdq_conv_graph(const Shape& x_shape, int64_t out_channels,
                                                 float sx) {
  GraphBuilder gb;
  ir::Value* x = gb.input("x", x_shape);
  const int64_t c = x_shape[1];
  auto scalar = [&](const char* name, float v) {
    return gb.constant(name, Tensor::from_vector<float>(DataType::kFloat32, {}, {v}));
  };
  ir::Value* zero = gb.constant("zx", Tensor::from_vector<int8_t>(DataType::kInt8, {}, {0}));
  ir::Value* a = gb.node("DequantizeLinear",
                         {gb.node("QuantizeLinear", {x, scalar("sx", sx), zero}), scalar("sx2", sx), zero});
  Tensor wq(DataType::kInt8, {out_channels, c, 3, 3});
  std::mt19937 rng(9);
  std::uniform_int_distribution<int> d(-126, 126);
  for (auto& v : wq.span<int8_t>()) v = static_cast<int8_t>(d(rng));
  const int64_t per = wq.numel() / out_channels;
  for (int64_t m = 0; m < out_channels; ++m) wq.data<int8_t>()[m * per] = m % 2 ? 127 : -127;
  std::vector<float> ws(static_cast<size_t>(out_channels));
  for (int64_t m = 0; m < out_channels; ++m) ws[size_t(m)] = 0.001f + 0.0001f * float(m);
  ir::Value* w = gb.node(
      "DequantizeLinear",
      {gb.constant("wq", wq), gb.constant("ws", Tensor::from_vector<float>(DataType::kFloat32, {out_channels}, ws)),
       gb.constant("wz", Tensor::from_vector<int8_t>(DataType::kInt8, {out_channels},
                                                     std::vector<int8_t>(size_t(out_channels), 0)))},
      {{"axis", int_attr(0)}});
  gb.output(gb.node("Relu", {gb.node("Conv", {a, w, gb.constant("b", random_tensor({out_channels}, 6))},
                                     {{"pads", ints({1, 1, 1, 1})}})}));
  return gb.finish();
}

}  // namespace actrt::test_graph
