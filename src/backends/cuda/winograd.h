// FP32 3x3 convolutions by Winograd F(4x4, 3x3): an input transform kernel, 36 batched cuBLASLt
// products, and an output transform kernel that also adds the bias and the residual and applies
// the ReLU (winograd_kernels.h has the arithmetic).
//
// Why: without tensor cores (FP32 engines, TF32 off) cuDNN's NHWC kernels run ResNet's 3x3
// convolutions at ~25 TFLOP/s, and its own Winograd algorithms are NCHW-only. F(4x4, 3x3) does
// 2.25x fewer multiplications; its rounding error is a few times that of a direct FP32
// convolution (still ~1e-6 relative), far inside the FP32 engine's 1e-4 budget.
//
// It is one more tactic of conv_choice.h: timed against cuDNN on the device, chosen only when
// faster. A chosen node's tactic is "wino4x4;lt=<i>" (i: the cuBLASLt candidate of the batched
// product) and its weights input is replaced at build time by the transformed weights
// (transform_winograd_weights), FP32 [36, C, K], which is what the engine stores.
#pragma once

#include <cublasLt.h>
#include <cuda_runtime.h>

#include <string>

#include "actrt/precision.h"
#include "actrt/status.h"
#include "actrt/tensor.h"
#include "backends/cuda/conv_graph.h"
#include "backends/cuda/matmul.h"
#include "backends/cuda/winograd_kernels.h"
#include "ir/graph.h"

namespace actrt::cuda {

// Tactic text: "wino4x4;lt=<cuBLASLt candidate index>".
std::string winograd_tactic(int lt_index);
bool is_winograd_tactic(const std::string& tactic);
// The cuBLASLt candidate index of a Winograd tactic; an error naming the text otherwise.
Result<int> parse_winograd_tactic(const std::string& tactic);

// "" when CudaConv `node` can run as Winograd F(4x4, 3x3) in `precision`, else why not: FP32
// only (with TF32 or FP16 the tensor-core kernels win), 3x3, stride 1, padding 1, no dilation,
// one group, FP32 NHWC input and output.
std::string winograd_refusal(const ir::Node& node, Precision precision);

// U[e][c][k] = (G g_kc G^T)[e] for KRSC FP32 weights [K, 3, 3, C]: FP32 [36, C, K], computed
// in double and rounded once.
Result<Tensor> winograd_weights(const Tensor& krsc);

class WinogradConv {
 public:
  // For CudaConv `node` (winograd_refusal(node, kFp32) == ""), whose weights are KRSC (build-time
  // timing) or already transformed ([36, C, K], in engines); `lt_index` picks cuBLASLt's
  // candidate for the batched product (an index past the list falls back to 0, matmul.h).
  Status init(cublasLtHandle_t lt, const ir::Node& node, int lt_index);
  // Bytes of workspace run() needs: the transformed input and products, and cuBLASLt's share.
  size_t workspace_bytes() const;
  const WinogradGeometry& geometry() const { return g_; }
  // y = act(conv(x, w) + bias (+ z)) with o.w the transformed weights.
  Status run(cublasLtHandle_t lt, const ConvOperands& o, void* workspace, size_t workspace_bytes,
             cudaStream_t stream) const;

 private:
  std::string name_;
  WinogradGeometry g_;
  bool relu_ = false;
  LtGemm gemm_;
  size_t v_bytes_ = 0, m_bytes_ = 0;
};

// Times the Winograd path of `node` on this GPU: cuBLASLt's candidates for the batched product
// first, then the whole convolution with the fastest. Returns the tactic text, its time in `ms`;
// unsupported when it would need more than `max_workspace` bytes.
Result<std::string> time_winograd(const ir::Node& node, size_t max_workspace, double* ms);

// Gives every CudaConv whose tactic is Winograd its transformed weights (shared by nodes that
// share weights). Returns how many convolutions that was.
Result<int> transform_winograd_weights(ir::Graph& graph);

}  // namespace actrt::cuda
