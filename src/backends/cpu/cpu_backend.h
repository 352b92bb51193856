// The fast CPU backend: oneDNN primitives for convolution, pooling and matrix products, our own
// vectorized multithreaded kernels for attention, LayerNorm, Softmax and elementwise chains,
// and the reference kernels for everything else (correct first; ACT only sends small data
// movement there).
//
// compile(plan, config)
//   Rewrites plan.graph with the CPU's registered passes (cpu_passes.h: fold_qdq, fuse_for_cpu,
//   lower_int8_layers; the verifier runs after each, --disable-pass skips them), among them the
//   CPU fusions of fusion.h (ops in fused_ops.h, domain "actrt"):
//   Conv(+bias)(+residual Add)(+Relu), Gemm/MatMul(+bias)(+Relu), MatMul-Softmax-MatMul
//   attention, and Add/Sub/Mul/Div/Relu chains. Every node gets plan.layers[name] = {kernel,
//   precision}, with the kernel picked by kernel_registry.cc's table (the same table
//   create_context() builds from); a node of the compiled graph that no kernel accepts fails the
//   build, every such node listed with each kernel's reason. The table's last row is the
//   reference fallback ("reference.<op>"), which runs any op of ops.def on scalar kernels. config.threads is recorded in plan.metadata["threads"].
//
// Weights stay FP32 constants in the graph, in ONNX layout. They are packed into oneDNN's
// preferred blocked layouts (which depend on the exact CPU: AVX2 vs AVX-512 blocking) when a
// context is created, once per (weight, layout), which takes milliseconds. So an engine file
// holds portable weights, and no weight is reordered during inference.
//
// Precision: FP32, and INT8 for convolutions and constant-weight matrix products. compile()
// folds the model's Q/DQ pairs into activation scales (passes/fold_qdq.h), fuses, then lowers
// the fused Conv / MatMul nodes that should run INT8 (planner's choice, --layer-precisions, or
// explicit quantization) into Int8Conv / Int8MatMul with int8 weights in the graph
// (int8_lowering.h); plan.layers records INT8 for exactly the nodes on s8 kernels. Attention,
// LayerNorm, Softmax and elementwise chains stay FP32. FP16 / TF32 requests run FP32, with one
// [W].
// create_context(plan, options): CpuContext (cpu_context.h) builds the steps, inserting layout
// reorders only at boundaries between oneDNN kernels (blocked layouts such as nChw16c stay
// between consecutive convs and pools) and plain kernels; one arena sized by the memory planner
// (runtime/memory_planner.h); threads = options.threads, else plan.metadata["threads"], else
// core/thread_policy.h's default (the usable cores but one).
// Threading is OpenMP, the runtime Debian's oneDNN is built with (DNNL_CPU_RUNTIME OMP), so our
// kernels and oneDNN's share one thread team.
#pragma once

#include "runtime/backend.h"

namespace actrt::cpu {

class CpuBackend final : public runtime::Backend {
 public:
  BackendKind kind() const override { return BackendKind::kCpu; }
  Status available() const override { return ok_status(); }
  std::string current_target() const override;
  Status check_target(std::string_view plan_target) const override;
  // 1: the fused-op attributes of fused_ops.h as they are (EltwiseOp codes 0-4).
  int contract_version() const override { return 1; }
  // From the kernel table (kernels.h): "" when some kernel accepts the node, else every
  // kernel's reason.
  std::string unsupported_reason(const ir::Node& node) const override;
  std::vector<runtime::KernelInfo> kernels() const override;
  Status compile(runtime::Plan& plan, const BuilderConfig& config) const override;
  Result<std::unique_ptr<runtime::ExecutionContext>> create_context(
      const runtime::Plan& plan, const runtime::ContextOptions& options) const override;
};

}  // namespace actrt::cpu
