#include "backends/cpu/cpu_backend.h"

#include "actrt/log.h"

#include <thread>

#include "backends/cpu/cpu_context.h"
#include "backends/cpu/fused_ops.h"
#include "backends/cpu/fusion.h"
#include "backends/cpu/isa.h"
#include "backends/cpu/kernels.h"
#include "ops/op_registry.h"

namespace actrt::cpu {

namespace {

// The precision a node runs in. FP32 only for now; INT8 (per-channel weight scales from
// plan.int8_scales, oneDNN s8 convolution/matmul) plugs in here and in the conv and matmul
// kernel families.
Precision choose_precision(const ir::Node&, const BuilderConfig&) { return Precision::kFp32; }

int default_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}

}  // namespace

std::string CpuBackend::current_target() const { return current_cpu_target(); }

Status CpuBackend::check_target(std::string_view plan_target) const {
  return check_cpu_target(plan_target, current_cpu_target());
}

std::string CpuBackend::unsupported_reason(const ir::Node& node) const {
  if (node.domain() == engine::kFusedDomain) {
    for (const char* op : {kFusedConv, kFusedMatMul, kFusedAttention, kFusedEltwise})
      if (node.op_type() == op) return "";
    return "fused op '" + node.op_type() + "' is not a CPU backend op";
  }
  if (ops::find_op(node.domain(), node.op_type())) return "";
  return "op '" + node.op_type() + "'" +
         (node.domain().empty() ? "" : " (domain '" + node.domain() + "')") +
         " is not in actrt's op list (ops.def)";
}

Status CpuBackend::compile(engine::Plan& plan, const BuilderConfig& config) const {
  if (!plan.graph) return invalid_argument("CPU compile: the plan has no graph");
  if (config.threads < 0)
    return invalid_argument("CPU compile: threads must be >= 0, got " +
                            std::to_string(config.threads));
  std::string unsupported_list;
  int unsupported_count = 0;
  for (const auto& n : plan.graph->nodes()) {
    const std::string reason = unsupported_reason(*n);
    if (!reason.empty()) {
      ++unsupported_count;
      unsupported_list += (unsupported_list.empty() ? "" : ", ") + n->describe() + " (" + reason + ")";
    }
  }
  if (unsupported_count)
    return unsupported(std::to_string(unsupported_count) + " node(s) unsupported by the CPU backend: " +
                       unsupported_list);
  ASSIGN_OR_RETURN(FusionStats stats, fuse_for_cpu(*plan.graph));
  plan.backend = BackendKind::kCpu;
  plan.target = current_target();
  plan.layers.clear();
  for (const auto& n : plan.graph->nodes())
    plan.layers[n->name()] = engine::LayerChoice{choose_kernel(*n), choose_precision(*n, config)};
  // Say so when a lower precision was allowed: the CPU backend has FP32 kernels only so far, so
  // an FP16 / INT8 engine computes exactly like the FP32 one (TensorRT also falls back silently
  // per layer; we prefer one clear line).
  if (config.fp16 || config.int8 || config.tf32)
    log_warning("CPU backend: only FP32 kernels exist so far; the requested " +
                std::string(config.int8 ? "INT8" : config.fp16 ? "FP16" : "TF32") +
                " layers run in FP32 (INT8 scales are kept in the engine)");
  plan.metadata["threads"] = std::to_string(config.threads);
  plan.metadata["cpu.fused_attention"] = std::to_string(stats.attention);
  plan.metadata["cpu.fused_conv"] = std::to_string(stats.conv);
  plan.metadata["cpu.fused_matmul"] = std::to_string(stats.matmul);
  plan.metadata["cpu.fused_eltwise"] = std::to_string(stats.eltwise);
  return ok_status();
}

Result<std::unique_ptr<engine::ExecutionContext>> CpuBackend::create_context(
    const engine::Plan& plan, const engine::ContextOptions& options) const {
  if (plan.backend != BackendKind::kCpu)
    return invalid_argument("CPU backend: the plan was built for backend '" +
                            std::string(backend_name(plan.backend)) + "'");
  if (!plan.target.empty()) RETURN_IF_ERROR(check_target(plan.target));
  int threads = options.threads;
  if (threads <= 0) {
    auto it = plan.metadata.find("threads");
    if (it != plan.metadata.end()) threads = std::atoi(it->second.c_str());
  }
  if (threads <= 0) threads = default_threads();
  ASSIGN_OR_RETURN(auto ctx, CpuContext::create(plan, threads));
  return std::unique_ptr<engine::ExecutionContext>(std::move(ctx));
}

namespace {
const bool kRegistered = engine::register_backend(std::make_unique<CpuBackend>());
}  // namespace

}  // namespace actrt::cpu
