// CudaConv through cuDNN's graph (backend) API: one operation graph
//   conv(x, w) -> + bias -> [+ z] -> [ReLU] -> y
// with FP32 intermediates that never reach memory, run by one engine that cuDNN's heuristics
// propose (the legacy cudnnConvolutionBiasActivationForward only reaches a few old implicit-GEMM
// kernels; the graph API reaches Hopper's tensor-core and fused engines).
//
// A "tactic" names one engine configuration as text: "e<global index>" followed by
// ";<knob type>=<value>" per knob, e.g. "e12;3=1;5=0". The tactic is what the builder stores in
// the engine (node attribute "tactic") and what a context re-creates its execution plan from;
// it depends on the GPU and the cuDNN version, which the engine's target check covers.
#pragma once

#include <cudnn.h>

#include <string>
#include <vector>

#include "actrt/precision.h"
#include "actrt/status.h"
#include "ir/graph.h"

namespace actrt::cuda {

// Owns one cudnnBackendDescriptor_t (destroyed with it). Move-only.
class BackendDesc {
 public:
  BackendDesc() = default;
  BackendDesc(BackendDesc&& o) noexcept : d_(o.d_) { o.d_ = nullptr; }
  BackendDesc& operator=(BackendDesc&& o) noexcept;
  BackendDesc(const BackendDesc&) = delete;
  BackendDesc& operator=(const BackendDesc&) = delete;
  ~BackendDesc();
  // Creates a descriptor of `type` (replacing any held one).
  Status create(cudnnBackendDescriptorType_t type, const std::string& where);
  cudnnBackendDescriptor_t get() const { return d_; }
  cudnnBackendDescriptor_t* ptr() { return &d_; }

 private:
  cudnnBackendDescriptor_t d_ = nullptr;
};

// Device pointers of one CudaConv run. INT8 nodes also read `scale` (FP32 [M], the
// per-output-channel factor x_scale * w_scale[m] / y_scale) and, with a residual, `z_scale`
// (FP32 [M], z's scale / y_scale); see cuda_ops.h.
struct ConvOperands {
  const void* x = nullptr;
  const void* w = nullptr;
  const void* bias = nullptr;
  const void* z = nullptr;
  const void* scale = nullptr;
  const void* z_scale = nullptr;
  void* y = nullptr;
};

class CudnnGraphConv {
 public:
  // The operation graph for CudaConv `node` (NHWC activations, KRSC weights, shapes from its
  // values) computing in `precision`, bound to handle `h` (plans run on that handle only).
  // Unsupported (kUnsupported) when cuDNN finds no engine for it or the node is grouped.
  Status init(cudnnHandle_t h, const ir::Node& node, Precision precision);

  struct Tactic {
    std::string text;
    bool runtime_compiled = false;  // cuDNN compiles its kernel with NVRTC (about 1 s each)
  };
  // Tactics from cuDNN's heuristics, best guess first, without the engines `precision` forbids
  // (FP32: no tensor cores, no down-converted inputs). At most `limit` of them, of which at most
  // one is runtime-compiled (NVRTC, a second or more of build time each), and none in FP32:
  // on the H100 the FP32 runtime-compiled engines for ACT's residual convolutions took 6-8 ms
  // (30x the legacy kernels) and up to 24 s to compile.
  Result<std::vector<Tactic>> tactics(size_t limit) const;
  // INT8 graphs run only on cuDNN's runtime-fusion engine, whose kernel configurations differ
  // by up to 2.5x on ACT's layers (the heuristic's first is not reliably the fastest): try
  // several (compiled in parallel before timing, conv_choice.cc).
  size_t max_runtime_compiled() const {
    return precision_ == Precision::kFp32 ? 0 : int8_ ? kInt8RuntimeCompiled : 1;
  }
  static constexpr size_t kInt8RuntimeCompiled = 4;

  // Finalizes the execution plan of `tactic`; an error when cuDNN rejects it here.
  Status select(const std::string& tactic);
  const std::string& tactic() const { return tactic_; }
  size_t workspace_bytes() const { return workspace_; }

  // y = act(conv(x, w) + bias [+ z]) (INT8: act(conv(x, w) * scale + bias [+ z * z_scale]))
  // with the selected plan on the handle's stream. z is used only when the node has a residual.
  Status run(const ConvOperands& operands, void* workspace);

  // Times every tactic (up to `limit`) on scratch buffers and selects the fastest; with
  // `deterministic`, the first that cuDNN accepts, untimed. Returns the tactic.
  Result<std::string> choose(bool deterministic, size_t limit, size_t max_workspace,
                             double* best_ms);

  const std::string& name() const { return name_; }

 private:
  Status build_graph(const ir::Node& node);
  bool allowed(cudnnBackendDescriptor_t engine) const;
  // Whether `engine` compiles its kernel at run time (NVRTC).
  static bool is_runtime_compiled(cudnnBackendDescriptor_t engine);

  std::string name_;
  cudnnHandle_t handle_ = nullptr;
  Precision precision_ = Precision::kFp32;
  bool has_z_ = false;
  bool int8_ = false;  // int8 X / W / Z, int32 accumulation, FP32 epilogue (cuda_ops.h)
  size_t x_bytes_ = 0, w_bytes_ = 0, b_bytes_ = 0, y_bytes_ = 0, z_bytes_ = 0, s_bytes_ = 0;
  std::vector<BackendDesc> parts_;  // tensors and operations the graph refers to
  BackendDesc graph_;
  BackendDesc plan_;
  BackendDesc pack_;
  const void* bound_[8] = {};  // pointers the variant pack was built for
  std::string tactic_;
  size_t workspace_ = 0;
};

}  // namespace actrt::cuda
