// INT8 convolutions on the CUDA backend (compile time: after fuse_for_cuda, before the FP16
// conversion). A CudaConv planned INT8 (quant/precision_planner.h) whose input, and residual,
// have calibrated scales becomes an INT8 CudaConv (cuda_ops.h):
//   CudaConv(Xq, Wq, B', [Zq], S, [ZS])   int8 X / W / Z, int32 accumulation, FP32 epilogue
//   y = act(acc * S[m] + B'[m] + Zq * ZS[m]), S = x_scale * w_scale[m] / y_scale,
//   B' = B / y_scale, ZS = z_scale / y_scale,
// with weights quantized per output channel (quant/weight_scales.h: TensorRT's rule).
//
// Between INT8 convolutions the tensor stays int8 (TensorRT's int8-in / int8-out chaining): a
// convolution whose every reader is an INT8 convolution (as input or residual) writes int8 with
// its output tensor's scale (y_scale); otherwise it writes floating point (y_scale = 1). Where
// an INT8 convolution reads a floating-point tensor (the max pool after the stem), one ONNX
// QuantizeLinear node (a CUDA kernel) quantizes it once for all its INT8 readers.
//
// A CudaMatMul chosen for INT8 (`wants_int8_matmul`; its weights constant and 2-D, its K and N
// multiples of 16, its input calibrated) becomes
//   CudaMatMul(Aq, Wq [N, K], B, S)   trans_b = 1, int8 A / W, int32 accumulation (cuBLASLt),
//   y = act(acc * S[n] + B[n]), S = alpha * a_scale * w_scale[n]
// with a floating-point output (its readers are LayerNorms, attention, more products).
//
// Scales are keyed by the original (NCHW) tensor names; `nhwc_origin` (FusionStats) maps the
// NHWC values of the fused graph back to them.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "actrt/status.h"
#include "ir/graph.h"

namespace actrt::cuda {

struct CudaInt8Lowering {
  int conv = 0;      // INT8 CudaConvs
  int matmul = 0;    // INT8 CudaMatMuls
  int chained = 0;   // of which write int8 for INT8 readers
  int quantize = 0;  // QuantizeLinear nodes inserted
  std::vector<std::string> skipped;  // "node: reason" for layers planned INT8 but kept
};

// Channel counts an INT8 convolution needs (cuDNN's int8 tensor-core engines read 16-byte
// vectors of channels).
inline constexpr int64_t kInt8ChannelMultiple = 16;

using LayerFilter = std::function<bool(const ir::Node&)>;

// Lowers the convolutions `wants_int8_conv` picks and the matrix products `wants_int8_matmul`
// picks (null: none).
Result<CudaInt8Lowering> lower_int8_layers(ir::Graph& graph, const LayerFilter& wants_int8_conv,
                                           const std::map<std::string, float>& scales,
                                           const std::map<std::string, std::string>& nhwc_origin,
                                           const LayerFilter& wants_int8_matmul = nullptr);

// Whether `node` is an INT8 CudaConv (int8 input).
bool is_int8_conv(const ir::Node& node);
// Whether `node` is an INT8 CudaMatMul (int8 input).
bool is_int8_matmul(const ir::Node& node);

}  // namespace actrt::cuda
