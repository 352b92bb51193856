// cuDNN convolution for CudaConv nodes: descriptors in NHWC, the fused
// conv + bias (+ residual) (+ ReLU) call, and algorithm ("tactic") selection.
#pragma once

#include <cudnn.h>

#include <string>

#include "actrt/precision.h"
#include "actrt/status.h"
#include "ir/graph.h"

namespace actrt::cuda {

class CudnnConv {
 public:
  CudnnConv() = default;
  CudnnConv(const CudnnConv&) = delete;
  CudnnConv& operator=(const CudnnConv&) = delete;
  ~CudnnConv();

  // Descriptors for CudaConv `node` (shapes from its values) computing in `precision`.
  Status init(const ir::Node& node, Precision precision);

  // Bytes of workspace `algo` needs; error when cuDNN refuses the algorithm.
  Result<size_t> workspace_bytes(cudnnHandle_t h, int algo) const;

  // y = act(conv(x, w) + bias + z); z may be null (no residual).
  Status run(cudnnHandle_t h, int algo, const void* x, const void* w, const void* bias,
             const void* z, void* y, void* workspace, size_t workspace_bytes) const;

  // Picks the algorithm: timed on the device over every algorithm cuDNN accepts (fastest wins,
  // ties to the lower id), or with `deterministic`, cuDNN's heuristic order without timing
  // (the first that runs). Allocates and frees its own scratch buffers.
  Result<int> choose_algo(cudnnHandle_t h, bool deterministic, size_t max_workspace,
                          double* best_ms) const;

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  bool relu_ = false;
  bool has_z_ = false;
  size_t x_bytes_ = 0, w_bytes_ = 0, y_bytes_ = 0, b_bytes_ = 0;
  cudnnTensorDescriptor_t x_ = nullptr, y_ = nullptr, b_ = nullptr;
  cudnnFilterDescriptor_t w_ = nullptr;
  cudnnConvolutionDescriptor_t conv_ = nullptr;
  cudnnActivationDescriptor_t act_ = nullptr;
};

// Creates one cuDNN handle per device thread for build-time tuning.
Result<cudnnHandle_t> build_cudnn_handle();

}  // namespace actrt::cuda
