#include "backends/cuda/cuda_backend.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <vector>

#include "actrt/log.h"
#include "backends/cuda/context.h"
#include "backends/cuda/conv_choice.h"
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/cuda_passes.h"
#include "backends/cuda/cuda_target.h"
#include "backends/cuda/fusion.h"
#include "backends/cuda/int8_lowering.h"
#include "backends/cuda/kernel_table.h"
#include "backends/cuda/matmul.h"
#include "backends/cuda/rerun_check.h"
#include "backends/cuda/tactic_cache.h"
#include "backends/cuda/winograd.h"
#include "ops/op_registry.h"
#include "passes/fold_qdq.h"
#include "quant/int8_intent.h"

namespace actrt::cuda {

namespace {

// Weights of every plan run here, shared by all contexts (process-wide: plans are immutable).
WeightCache& weight_cache() {
  static WeightCache cache;
  return cache;
}

bool is_matrix_op(const ir::Node& n) {
  return n.domain() == runtime::kFusedDomain &&
         (n.op_type() == kCudaConv || n.op_type() == kCudaMatMul ||
          n.op_type() == kCudaAttention);
}

// The precision a node computes in (INT8: the convolutions int8_lowering.h lowered and their
// quantize kernels).
Precision layer_precision(const ir::Node& n, const BuilderConfig& config) {
  if (is_int8_conv(n) || is_int8_matmul(n) ||
      (n.domain().empty() && n.op_type() == "QuantizeLinear"))
    return Precision::kInt8;
  if (n.domain() == runtime::kFusedDomain && n.op_type() == kCudaMatMul &&
      n.input(0)->dtype() == DataType::kBFloat16)
    return Precision::kBf16;  // bf16_lowering.h
  auto it = config.layer_precisions.find(n.name());
  if (it != config.layer_precisions.end() && it->second == Precision::kFp32) return Precision::kFp32;
  if (config.fp16) return Precision::kFp16;
  if (config.tf32 && is_matrix_op(n)) return Precision::kTf32;
  return Precision::kFp32;
}

Result<int> device_capability(int* major, int* minor) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    cudaGetLastError();
    return device_error(std::string("no CUDA device: cudaGetDeviceCount says ") +
                        cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
  }
  if (count == 0) return device_error("no CUDA device: cudaGetDeviceCount found 0 GPUs");
  int dev = 0;
  CUDA_RETURN_IF_ERROR(cudaGetDevice(&dev), "CUDA device query");
  CUDA_RETURN_IF_ERROR(cudaDeviceGetAttribute(major, cudaDevAttrComputeCapabilityMajor, dev),
                       "CUDA device query");
  CUDA_RETURN_IF_ERROR(cudaDeviceGetAttribute(minor, cudaDevAttrComputeCapabilityMinor, dev),
                       "CUDA device query");
  return dev;
}

// cuBLASLt tactics of CudaMatMul nodes: the fastest of the heuristic's first kLtCandidates,
// timed once per product geometry (or taken from the timing cache), stored as `lt_algo`.
// Deterministic builds skip this: contexts then take the heuristic's first.
Status choose_matmul_tactics(runtime::Plan& plan, engine::TimingCache* cache) {
  cublasLtHandle_t lt = nullptr;
  std::map<std::string, int> index_by_geometry;
  Status st = ok_status();
  for (const auto& n : plan.graph->nodes()) {
    if (!st.ok()) break;
    if (n->domain() != runtime::kFusedDomain || n->op_type() != kCudaMatMul) continue;
    if (!lt) {
      st = cublas_status(cublasLtCreate(&lt), "cublasLtCreate", "build-time tuning");
      if (!st.ok()) return st;
    }
    const GemmSpec spec = matmul_gemm_spec(*n, plan.layers[n->name()].precision);
    const std::string key =
        "cublaslt.matmul|" + std::to_string(spec.m) + "x" + std::to_string(spec.n) + "x" +
        std::to_string(spec.k) + "|batch=" + std::to_string(spec.batch) + "|trans_b=" +
        std::to_string(spec.trans_b) + "|alpha=" + std::to_string(spec.alpha) + "|bias=" +
        std::to_string(spec.bias) + "|addend=" + std::to_string(spec.addend) + "|relu=" + std::to_string(spec.relu) + "|" +
        std::string(dtype_name(spec.ab_type())) + "->" + std::string(dtype_name(spec.dtype)) +
        "|" + std::string(precision_name(spec.precision)) +
        "|ws=" + std::to_string(kLtWorkspaceBytes) + "|candidates=" + std::to_string(kLtCandidates);
    auto found = index_by_geometry.find(key);
    int index = 0;
    if (found != index_by_geometry.end()) {
      index = found->second;
    } else {
      const std::string where = "CudaMatMul '" + n->name() + "'";
      auto time_candidates = [&]() -> Result<TimedTactic> {
        double ms = 0;
        ASSIGN_OR_RETURN(int i, time_lt_algos(lt, spec, kLtWorkspaceBytes, where, &ms));
        return TimedTactic{i, ms};
      };
      auto check = [&](int i) -> Status {
        LtGemm g;
        RETURN_IF_ERROR(g.init(lt, spec, kLtWorkspaceBytes, where, 0));
        if (i >= g.candidates())
          return unsupported("cuBLASLt offers " + std::to_string(g.candidates()) + " candidates here");
        return ok_status();
      };
      Result<int> chosen = cached_or_timed_tactic(cache, key, "cuBLASLt candidate", time_candidates, check);
      if (!chosen.ok()) {
        st = chosen.status();
        break;
      }
      index = *chosen;
      index_by_geometry[key] = index;
    }
    n->set_attribute("lt_algo", ir::Attribute::from_int(index));
  }
  if (lt) cublasLtDestroy(lt);
  return st;
}

}  // namespace

Status CudaBackend::available() const {
  int major = 0, minor = 0;
  auto dev = device_capability(&major, &minor);
  return dev.ok() ? ok_status() : dev.status();
}

std::string CudaBackend::current_target() const {
  int major = 0, minor = 0;
  if (!device_capability(&major, &minor).ok()) return "none";
  // The versions of the libraries loaded now (not the headers compiled against): what tactics
  // are timed with (cuda_target.h).
  CudaTarget here;
  here.sm = major * 10 + minor;
  here.cudnn = cudnn_version_from(static_cast<long>(cudnnGetVersion()));
  here.cublaslt = cublaslt_version_from(static_cast<long>(cublasLtGetVersion()));
  return format_cuda_target(here);
}

Status CudaBackend::check_target(std::string_view plan_target) const {
  const std::string here_text = current_target();
  if (here_text == "none") return available();
  ASSIGN_OR_RETURN(CudaTarget built, parse_cuda_target(plan_target));
  ASSIGN_OR_RETURN(CudaTarget here, parse_cuda_target(here_text));
  TargetVerdict verdict = check_cuda_target(built, here);
  if (verdict.status.ok() && !verdict.warning.empty()) {
    // Once per engine target and process: loading, bench and context creation all check.
    static std::mutex mu;
    static std::set<std::string> warned;
    std::lock_guard<std::mutex> lock(mu);
    if (warned.insert(std::string(plan_target)).second) log_warning("CUDA backend: " + verdict.warning);
  }
  return verdict.status;
}

std::string CudaBackend::unsupported_reason(const ir::Node& node) const {
  auto kernel = cuda_kernel_for(node);
  return kernel.ok() ? "" : kernel.status().message();
}

std::vector<runtime::KernelInfo> CudaBackend::kernels() const {
  return runtime::kernel_infos(cuda_kernels());
}

Status CudaBackend::compile(runtime::Plan& plan, const BuilderConfig& config) const {
  return compile(plan, config, runtime::CompileOptions{});
}

namespace {

// One compile of `plan` with the convolutions named in `keep_float` kept out of INT8. Returns
// the INT8 convolutions no cuDNN engine runs on this GPU (then the plan is incomplete and the
// caller compiles again from the original graph with them in `keep_float`).
Result<std::vector<std::string>> compile_once(const CudaBackend& backend, runtime::Plan& plan,
                                              const BuilderConfig& config,
                                              const runtime::CompileOptions& options,
                                              const std::set<std::string>& keep_float) {
  const auto start = std::chrono::steady_clock::now();
  // Which convolutions run INT8: the precisions quant::prepare_int8 planned for the unfused
  // nodes, and the convolutions whose input an explicitly quantized model (Q/DQ pairs) rounds
  // to int8 (fold_qdq), as on the CPU backend. The graph rewrites are the registered passes of
  // cuda_passes.h.
  CudaCompileState state(plan, config);
  state.overrides = config.layer_precisions;
  for (const std::string& name : keep_float)
    state.overrides[name] = config.fp16 ? Precision::kFp16 : Precision::kFp32;
  state.intent.overrides = &state.overrides;
  for (const auto& [name, choice] : plan.layers) state.intent.planned[name] = choice.precision;
  RETURN_IF_ERROR(passes::run_backend_passes(BackendKind::kCuda, cuda_passes(), state,
                                             *plan.graph, config.disabled_passes)
                      .status());
  const passes::QdqFold& qdq = state.qdq;
  const FusionStats& stats = state.fusion;
  const CudaInt8Lowering& int8 = state.int8;
  plan.backend = BackendKind::kCuda;
  plan.target = backend.current_target();
  plan.layers.clear();
  for (const auto& n : plan.graph->nodes())
    plan.layers[n->name()] = runtime::LayerChoice{"", layer_precision(*n, config)};

  // Tactics: timed on this GPU in each layer's precision (TensorRT's tactic selection), looked
  // up in and recorded to the timing cache; deterministic builds time nothing and neither read
  // nor write the cache.
  engine::TimingCache* cache = config.deterministic ? nullptr : options.timing_cache;
  if (cache) {
    ASSIGN_OR_RETURN(std::string device, timing_cache_device());
    cache->select_device(device);
  }
  std::vector<std::string> int8_rejected;
  ASSIGN_OR_RETURN(int timed,
                   choose_conv_tactics(plan, cache, config.deterministic, &int8_rejected));
  if (!int8_rejected.empty()) return int8_rejected;
  ASSIGN_OR_RETURN(int winograd, transform_winograd_weights(*plan.graph));
  if (!config.deterministic) RETURN_IF_ERROR(choose_matmul_tactics(plan, cache));
  RETURN_IF_ERROR(assign_kernels(plan));

  plan.metadata["cuda.fused_attention"] = std::to_string(stats.attention);
  plan.metadata["cuda.fused_conv"] = std::to_string(stats.conv);
  plan.metadata["cuda.fused_matmul"] = std::to_string(stats.matmul);
  plan.metadata["cuda.matmul_input_offsets"] = std::to_string(stats.matmul_input_offsets);
  plan.metadata["cuda.fused_layer_norm"] = std::to_string(stats.layer_norm);
  plan.metadata["cuda.fused_eltwise"] = std::to_string(stats.eltwise);
  plan.metadata["cuda.layout_transposes"] = std::to_string(stats.layout_transposes);
  plan.metadata["cuda.attention_transposes_folded"] = std::to_string(state.folded_transposes);
  plan.metadata["cuda.eltwise_io_folded"] = std::to_string(state.folded_eltwise_io);
  plan.metadata["cuda.qkv_gemms_merged"] = std::to_string(state.merged_projections);
  plan.metadata["cuda.copy_nodes_folded"] = std::to_string(state.folded_copies);
  if (config.int8 || qdq.pairs > 0) {
    plan.metadata["cuda.qdq_pairs_folded"] = std::to_string(qdq.pairs);
    plan.metadata["cuda.int8_conv"] = std::to_string(int8.conv);
    plan.metadata["cuda.int8_matmul"] = std::to_string(int8.matmul);
    plan.metadata["cuda.int8_chained"] = std::to_string(int8.chained);
    plan.metadata["cuda.int8_quantize"] = std::to_string(int8.quantize);
  }
  plan.metadata["cuda.winograd_conv"] = std::to_string(winograd);
  if (config.bf16 || state.bf16_matmuls)
    plan.metadata["cuda.bf16_matmul"] = std::to_string(state.bf16_matmuls);
  plan.metadata["cuda.conv_tactics"] = config.deterministic ? "heuristic" : "timed";
  const double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  log_verbose("CUDA compile: " + std::to_string(timed) + " convolution geometries tuned, " +
              std::to_string(s).substr(0, 5) + " s");
  return int8_rejected;
}

std::vector<std::string> int8_conv_names(const ir::Graph& g) {
  std::vector<std::string> names;
  for (const auto& n : g.nodes())
    if (n->op_type() == kCudaConv && n->input(0)->dtype() == DataType::kInt8)
      names.push_back(n->name());
  return names;
}

}  // namespace

Status CudaBackend::compile(runtime::Plan& plan, const BuilderConfig& config,
                            const runtime::CompileOptions& options) const {
  if (!plan.graph) return invalid_argument("CUDA compile: the plan has no graph");
  RETURN_IF_ERROR(available());
  // An INT8 graph that cuDNN has no engine for on this GPU (seen only off the H100) costs that
  // convolution its INT8, not the build: compile again from the original graph with it kept in
  // floating point (TensorRT's fallback for layers without an INT8 tactic).
  // Likewise an INT8 build whose second run does not reproduce its first (rerun_check.h): its
  // INT8 convolutions go back to floating point.
  std::set<std::string> keep_float;
  for (int attempt = 0; attempt < 3; ++attempt) {
    runtime::Plan trial = plan.clone();
    ASSIGN_OR_RETURN(std::vector<std::string> rejected,
                     compile_once(*this, trial, config, options, keep_float));
    if (rejected.empty()) {
      const std::vector<std::string> int8_convs = int8_conv_names(*trial.graph);
      if (int8_convs.empty()) {
        plan = std::move(trial);
        return ok_status();
      }
      ASSIGN_OR_RETURN(std::string rerun_diff, check_reruns(*this, trial));
      if (rerun_diff.empty()) {
        plan = std::move(trial);
        return ok_status();
      }
      log_warning("CUDA backend: the INT8 engine's second run does not reproduce its first (" +
                  rerun_diff + "): a cuDNN INT8 engine problem on this GPU (rerun_check.h); its " +
                  std::to_string(int8_convs.size()) + " INT8 convolutions stay " +
                  (config.fp16 ? "FP16" : "FP32"));
      keep_float.insert(int8_convs.begin(), int8_convs.end());
      continue;
    }
    std::string names;
    for (const std::string& n : rejected) {
      names += (names.empty() ? "" : ", ") + n;
      keep_float.insert(n);
    }
    log_warning("CUDA backend: no cuDNN engine runs " + std::to_string(rejected.size()) +
                " INT8 convolution(s) on this GPU; they stay " + (config.fp16 ? "FP16" : "FP32") +
                ": " + names);
  }
  return unsupported("CUDA backend: INT8 convolutions were still rejected after keeping " +
                     std::to_string(keep_float.size()) +
                     " in floating point; build with --layer-precisions NAME:fp16 for them");
}



Result<std::unique_ptr<runtime::ExecutionContext>> CudaBackend::create_context(
    const runtime::Plan& plan, const runtime::ContextOptions& options) const {
  if (plan.backend != BackendKind::kCuda)
    return invalid_argument("CUDA backend: the plan was built for backend '" +
                            std::string(backend_name(plan.backend)) + "'");
  RETURN_IF_ERROR(available());
  if (!plan.target.empty()) RETURN_IF_ERROR(check_target(plan.target));
  ASSIGN_OR_RETURN(auto ctx, CudaContext::create(plan, weight_cache()));
  return std::unique_ptr<runtime::ExecutionContext>(std::move(ctx));
}

namespace {
const bool kRegistered = runtime::register_backend(std::make_unique<CudaBackend>());
}  // namespace

}  // namespace actrt::cuda
