#include "backends/cpu/cpu_backend.h"

#include "actrt/log.h"

#include <fmt/format.h>

#include <charconv>
#include <thread>

#include "core/limits.h"

#include "backends/cpu/cpu_context.h"
#include "backends/cpu/cpu_passes.h"
#include "backends/cpu/isa.h"
#include "backends/cpu/kernels.h"
#include "core/thread_policy.h"

namespace actrt::cpu {

namespace {

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < 8; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > 8) out += ", ... (" + std::to_string(names.size() - 8) + " more)";
  return out;
}

}  // namespace

std::string CpuBackend::current_target() const { return current_cpu_target(); }

Status CpuBackend::check_target(std::string_view plan_target) const {
  return check_cpu_target(plan_target, current_cpu_target());
}

std::string CpuBackend::unsupported_reason(const ir::Node& node) const {
  Result<const CpuKernel*> kernel = choose_kernel(node);
  if (kernel.ok()) return "";
  // Callers prefix the node; first_accepting's message starts with it.
  std::string reason = kernel.status().message();
  const std::string prefix = node.describe() + ": ";
  if (reason.rfind(prefix, 0) == 0) reason.erase(0, prefix.size());
  return reason;
}

std::vector<runtime::KernelInfo> CpuBackend::kernels() const {
  return runtime::kernel_infos(cpu_kernels());
}

Status CpuBackend::compile(runtime::Plan& plan, const BuilderConfig& config) const {
  if (!plan.graph) return invalid_argument("CPU compile: the plan has no graph");
  if (config.threads < 0 || config.threads > limits::kMaxThreads)
    return invalid_argument(fmt::format("CPU compile: threads must be 0 to {}, got {}",
                                        limits::kMaxThreads, config.threads));
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
  // A layer forced to BF16 cannot be honoured here: say so (the --bf16 flag only allows it).
  std::string bf16_layers;
  for (const auto& [layer, p] : config.layer_precisions)
    if (p == Precision::kBf16) bf16_layers += (bf16_layers.empty() ? "'" : ", '") + layer + "'";
  if (!bf16_layers.empty())
    return unsupported("--layer-precisions asks for bf16 (" + bf16_layers +
                       "), but the CPU backend has no BF16 kernels (BF16 matrix products run on "
                       "--backend cuda); use fp32 or int8 here");
  // Which fused nodes run INT8 (quant/int8_intent.h): overrides, the planner's per-node
  // precisions (INT8 builds, by unfused node name, taken before they are replaced by this
  // backend's choices), and explicit quantization (fold_qdq adds the model's scales).
  CpuCompileState state(plan, config);
  state.intent.overrides = &config.layer_precisions;
  for (const auto& [name, choice] : plan.layers) state.intent.planned[name] = choice.precision;
  RETURN_IF_ERROR(passes::run_backend_passes(BackendKind::kCpu, cpu_passes(), state, *plan.graph,
                                             config.disabled_passes)
                      .status());
  const passes::QdqFold& qdq = state.qdq;
  const FusionStats& stats = state.fusion;
  const Int8Lowering& int8 = state.int8;
  plan.backend = BackendKind::kCpu;
  plan.target = current_target();
  ASSIGN_OR_RETURN(const KernelAssignment assigned, assign_kernels(plan));
  const int int8_layers = assigned.int8_layers;
  if (config.int8 || qdq.pairs > 0) {
    log_info("CPU backend: " + std::to_string(int8_layers) + " layers run INT8 (" +
             std::to_string(int8.conv) + " convolutions, " + std::to_string(int8.matmul) +
             " matrix products; " + std::to_string(int8.chained) + " convolutions pass int8 to the next" +
             (qdq.pairs ? ", " + std::to_string(qdq.pairs) + " Q/DQ pairs folded" : "") +
             "); attention, LayerNorm, Softmax and the other layers run FP32");
    if (!int8.no_scale.empty())
      log_warning("CPU backend: " + std::to_string(int8.no_scale.size()) +
                  " layer(s) asked for INT8 have no scale on their input and run FP32: " +
                  join_names(int8.no_scale));
  }
  // FP16 / BF16 / TF32 have no CPU kernels: one clear line rather than a silent per-layer
  // fallback.
  if (config.fp16 || config.bf16 || config.tf32)
    log_warning("CPU backend: no " +
                std::string(config.fp16 ? "FP16" : config.bf16 ? "BF16" : "TF32") +
                " kernels; those layers run in FP32");
  plan.metadata["cpu.int8_conv"] = std::to_string(int8.conv);
  plan.metadata["cpu.int8_matmul"] = std::to_string(int8.matmul);
  plan.metadata["cpu.int8_chained"] = std::to_string(int8.chained);
  if (qdq.pairs) plan.metadata["cpu.qdq_pairs_folded"] = std::to_string(qdq.pairs);
  plan.metadata["threads"] = std::to_string(config.threads);
  plan.metadata["cpu.fused_attention"] = std::to_string(stats.attention);
  plan.metadata["cpu.fused_conv"] = std::to_string(stats.conv);
  plan.metadata["cpu.fused_matmul"] = std::to_string(stats.matmul);
  plan.metadata["cpu.fused_eltwise"] = std::to_string(stats.eltwise);
  return ok_status();
}

Result<std::unique_ptr<runtime::ExecutionContext>> CpuBackend::create_context(
    const runtime::Plan& plan, const runtime::ContextOptions& options) const {
  if (plan.backend != BackendKind::kCpu)
    return invalid_argument("CPU backend: the plan was built for backend '" +
                            std::string(backend_name(plan.backend)) + "'");
  if (!plan.target.empty()) RETURN_IF_ERROR(check_target(plan.target));
  int threads = options.threads;
  if (threads < 0 || threads > limits::kMaxThreads)
    return invalid_argument(fmt::format("CPU context: threads must be 0 to {}, got {}",
                                        limits::kMaxThreads, threads));
  if (threads == 0) {
    auto it = plan.metadata.find("threads");
    if (it != plan.metadata.end()) {
      // The engine file's setting: a forged value is refused like a command-line one.
      const std::string& text = it->second;
      int stored = -1;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), stored);
      if (ec != std::errc() || end != text.data() + text.size() || stored < 0 ||
          stored > limits::kMaxThreads)
        return invalid_model(fmt::format("engine metadata 'threads' is '{}', expected 0 to {}",
                                         text, limits::kMaxThreads));
      threads = stored;
    }
  }
  if (threads <= 0) threads = default_threads();
  return dnnl_guarded("creating the CPU execution context",
                      [&]() -> Result<std::unique_ptr<runtime::ExecutionContext>> {
                        ASSIGN_OR_RETURN(auto ctx, CpuContext::create(plan, threads));
                        return std::unique_ptr<runtime::ExecutionContext>(std::move(ctx));
                      });
}

namespace {
const bool kRegistered = runtime::register_backend(std::make_unique<CpuBackend>());
}  // namespace

}  // namespace actrt::cpu
