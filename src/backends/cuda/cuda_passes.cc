#include "backends/cuda/cuda_passes.h"

#include <algorithm>

#include "actrt/log.h"
#include "backends/cuda/attention_layout.h"
#include "backends/cuda/bf16_lowering.h"
#include "backends/cuda/copy_fusion.h"
#include "backends/cuda/eltwise_chain.h"
#include "backends/cuda/qkv_merge.h"

namespace actrt::cuda {

namespace {

passes::PassReport rewrote(int n) {
  passes::PassReport r;
  r.rewrites = n;
  return r;
}

passes::PassReport removed(int n) {
  passes::PassReport r;
  r.nodes_removed = n;
  return r;
}

passes::PassReport skipped(std::string why) {
  passes::PassReport r;
  r.detail = "skipped: " + std::move(why);
  return r;
}

bool is_fp16_build(const CudaCompileState& s) { return s.config.fp16; }
bool is_int8_build(const CudaCompileState& s) { return s.config.int8 || s.qdq.pairs > 0; }

// Only models with Q/DQ pairs are touched, so other graphs compile exactly as before. The
// pairs become activation scales (the model's own win over calibrated ones), kept in the engine.
Result<passes::PassReport> run_fold_qdq(CudaCompileState& s) {
  const auto& nodes = s.plan.graph->nodes();
  if (std::none_of(nodes.begin(), nodes.end(), [](const auto& n) {
        return n->domain().empty() && n->op_type() == "QuantizeLinear";
      }))
    return skipped("no QuantizeLinear in the model");
  ASSIGN_OR_RETURN(s.qdq, passes::fold_qdq(*s.plan.graph));
  for (const auto& [tensor, scale] : s.qdq.scales) s.plan.int8_scales[tensor] = scale;
  s.intent.qdq_scales = s.qdq.scales;
  return rewrote(s.qdq.pairs);
}

Result<passes::PassReport> run_fuse_for_cuda(CudaCompileState& s) {
  ASSIGN_OR_RETURN(s.fusion, fuse_for_cuda(*s.plan.graph));
  s.intent.value_origin = &s.fusion.nhwc_origin;
  const FusionStats& f = s.fusion;
  return rewrote(f.attention + f.conv + f.matmul + f.layer_norm + f.eltwise);
}

// Matrix products go INT8 only when asked for by name (--layer-precisions NAME:int8) or by the
// model's Q/DQ pairs, not by the INT8 planner: at ACT's sizes an INT8 product with its separate
// dequantize kernel was not shown faster than FP16's fused epilogue yet.
Result<passes::PassReport> run_lower_int8_layers(CudaCompileState& s) {
  if (!is_int8_build(s)) return skipped("not an INT8 build and no Q/DQ pairs");
  quant::Int8Intent explicit_only = s.intent;
  explicit_only.planned.clear();
  ASSIGN_OR_RETURN(s.int8, lower_int8_layers(*s.plan.graph, s.intent, s.plan.int8_scales,
                                             s.fusion.nhwc_origin, explicit_only));
  log_info("CUDA backend: " + std::to_string(s.int8.conv) + " convolutions run INT8 (" +
           std::to_string(s.int8.chained) + " pass int8 to the next, " +
           std::to_string(s.int8.quantize) + " quantize kernels" +
           (s.qdq.pairs ? ", scales of " + std::to_string(s.qdq.pairs) + " Q/DQ pairs of the model"
                        : std::string()) +
           "), " + std::to_string(s.int8.matmul) + " matrix products INT8; the other products, " +
           "attention and normalizations stay " + (s.config.fp16 ? "FP16" : "FP32"));
  for (const std::string& why : s.int8.skipped) log_verbose("CUDA backend: not INT8: " + why);
  return rewrote(s.int8.conv + s.int8.matmul);
}

Result<passes::PassReport> run_convert_to_fp16(CudaCompileState& s) {
  if (!is_fp16_build(s)) return skipped("not an FP16 build");
  RETURN_IF_ERROR(convert_to_fp16(*s.plan.graph));
  return passes::PassReport{};
}

Result<passes::PassReport> run_fold_attention_layouts(CudaCompileState& s) {
  if (!is_fp16_build(s)) return skipped("FP16 builds only");
  ASSIGN_OR_RETURN(s.folded_transposes, fold_attention_layouts(*s.plan.graph));
  return removed(s.folded_transposes);
}

Result<passes::PassReport> run_merge_qkv(CudaCompileState& s) {
  if (!is_fp16_build(s)) return skipped("FP16 builds only");
  ASSIGN_OR_RETURN(s.merged_projections, merge_qkv_projections(*s.plan.graph));
  return removed(s.merged_projections);
}

Result<passes::PassReport> run_fold_eltwise_io(CudaCompileState& s) {
  ASSIGN_OR_RETURN(s.folded_eltwise_io, fold_eltwise_io(*s.plan.graph));
  return removed(s.folded_eltwise_io);
}

Result<passes::PassReport> run_fold_copy_chains(CudaCompileState& s) {
  ASSIGN_OR_RETURN(s.folded_copies, fold_copy_chains(*s.plan.graph));
  return removed(s.folded_copies);
}

Result<passes::PassReport> run_lower_bf16_matmuls(CudaCompileState& s) {
  ASSIGN_OR_RETURN(s.bf16_matmuls,
                   lower_bf16_matmuls(*s.plan.graph,
                                      bf16_matmul_names(*s.plan.graph, s.overrides, s.config.bf16)));
  return rewrote(s.bf16_matmuls);
}

constexpr passes::BackendPass<CudaCompileState> kPasses[] = {
    {"fold_qdq", "fold the model's QuantizeLinear/DequantizeLinear pairs into activation scales",
     run_fold_qdq},
    {"fuse_for_cuda",
     "attention, conv, matmul, LayerNorm and elementwise-chain fusions, then NHWC layouts "
     "(CudaConv, CudaMatMul, ...)",
     run_fuse_for_cuda, /*required=*/true},
    {"lower_int8_layers",
     "INT8 builds: convolutions (and products asked for by name or Q/DQ) -> INT8 with quantize "
     "kernels",
     run_lower_int8_layers},
    {"convert_to_fp16", "FP16 builds: activations and weights to FP16", run_convert_to_fp16,
     /*required=*/true},
    {"fold_attention_layouts",
     "FP16 builds: the head split/merge transposes around attention read in place",
     run_fold_attention_layouts},
    {"merge_qkv", "FP16 builds: the Q, K and V projections of one input as one GEMM",
     run_merge_qkv},
    {"fold_eltwise_io",
     "a float Cast before and a Transpose after an elementwise chain fold into its one launch",
     run_fold_eltwise_io},
    {"fold_copy_chains",
     "Transpose/Slice/Reshape chains around a Concat become one op of strided copies",
     run_fold_copy_chains},
    {"lower_bf16_matmuls", "BF16 builds / NAME:bf16: CudaMatMuls in BF16 with FP32 accumulation",
     run_lower_bf16_matmuls},
};

const bool kRegistered = passes::register_backend_passes(
    BackendKind::kCuda, passes::describe_passes<CudaCompileState>(kPasses));

}  // namespace

std::span<const passes::BackendPass<CudaCompileState>> cuda_passes() { return kPasses; }

}  // namespace actrt::cuda
