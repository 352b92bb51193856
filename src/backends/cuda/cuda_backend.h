// The CUDA backend: cuDNN convolutions (NHWC, fused bias / residual / ReLU, algorithms chosen
// by timing at build), cuBLASLt matrix products (bias / ReLU epilogues), and our own kernels
// (flash attention in FP16, LayerNorm with fused residual, Softmax, elementwise chains, data
// movement). Any other node runs on the host with the reference kernel, inside the same CUDA
// graph (cudaLaunchHostFunc), so every graph runs.
//
// compile(plan, config): the registered CUDA passes (cuda_passes.h: fusion.h's rewrites + NHWC
//   layout, INT8 lowering, FP16 conversion when config.fp16, layout and copy folds; verified
//   after each, --disable-pass skips them), then conv algorithm choice (timed unless config.deterministic; stored in each
//   CudaConv's `algo` attribute so the engine file carries it), cuBLASLt candidate choice
//   (timed unless deterministic; CudaMatMul's `lt_algo`), both looked up in and recorded to
//   options.timing_cache (tactic_cache.h), plan.layers, plan.target.
// create_context(plan): context.h (arena by liveness, one stream, pinned staging, CUDA graph).
//
// Precision: FP32 (TF32 off everywhere), TF32 (config.tf32: matrix math in TF32), FP16
// (config.fp16: FP16 weights and activations, FP32 accumulation and statistics). INT8: the seam
// is layer_precision() in cuda_backend.cc; INT8 requests build FP16 (or FP32) for now.
#pragma once

#include "runtime/backend.h"

namespace actrt::cuda {

class CudaBackend final : public runtime::Backend {
 public:
  BackendKind kind() const override { return BackendKind::kCuda; }
  Status available() const override;
  std::string current_target() const override;
  Status check_target(std::string_view plan_target) const override;
  int contract_version() const override { return 1; }  // EltOp codes, copy pieces, tactics
  std::string unsupported_reason(const ir::Node& node) const override;
  std::vector<runtime::KernelInfo> kernels() const override;
  bool times_tactics() const override { return true; }  // cuDNN / cuBLASLt tactic timing
  Status compile(runtime::Plan& plan, const BuilderConfig& config) const override;
  Status compile(runtime::Plan& plan, const BuilderConfig& config,
                 const runtime::CompileOptions& options) const override;
  Result<std::unique_ptr<runtime::ExecutionContext>> create_context(
      const runtime::Plan& plan, const runtime::ContextOptions& options) const override;
  // INT8 calibration on the GPU: calibration_stats.h (defined in calibration_stats.cc).
  Result<std::unique_ptr<runtime::ActivationStatsRunner>> make_activation_stats_runner(
      const ir::Graph& graph, const std::vector<std::string>& tensors) const override;
};

}  // namespace actrt::cuda
