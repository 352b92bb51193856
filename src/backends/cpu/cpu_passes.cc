#include "backends/cpu/cpu_passes.h"

namespace actrt::cpu {

namespace {

// Q/DQ pairs become activation scales (the model's own win over calibrated ones), kept in the
// engine with the others.
Result<passes::PassReport> run_fold_qdq(CpuCompileState& s) {
  ASSIGN_OR_RETURN(s.qdq, passes::fold_qdq(*s.plan.graph));
  for (const auto& [tensor, scale] : s.qdq.scales) s.plan.int8_scales[tensor] = scale;
  s.intent.qdq_scales = s.qdq.scales;
  passes::PassReport r;
  r.rewrites = s.qdq.pairs;
  return r;
}

Result<passes::PassReport> run_fuse_for_cpu(CpuCompileState& s) {
  const int before = static_cast<int>(s.plan.graph->node_count());
  ASSIGN_OR_RETURN(s.fusion, fuse_for_cpu(*s.plan.graph));
  passes::PassReport r;
  r.nodes_removed = before - static_cast<int>(s.plan.graph->node_count());
  r.rewrites = s.fusion.attention + s.fusion.conv + s.fusion.matmul + s.fusion.eltwise;
  return r;
}

// Only nodes the intent marks INT8 and whose input has a scale are lowered, so FP32 builds
// without Q/DQ pairs pass through unchanged.
Result<passes::PassReport> run_lower_int8(CpuCompileState& s) {
  ASSIGN_OR_RETURN(s.int8, lower_int8(*s.plan.graph, s.intent, s.plan.int8_scales));
  passes::PassReport r;
  r.rewrites = s.int8.conv + s.int8.matmul;
  return r;
}

constexpr passes::BackendPass<CpuCompileState> kPasses[] = {
    {"fold_qdq", "fold the model's QuantizeLinear/DequantizeLinear pairs into activation scales",
     run_fold_qdq},
    {"fuse_for_cpu",
     "attention, Conv(+bias)(+residual)(+Relu), MatMul/Gemm(+bias)(+Relu) and Add/Sub/Mul/Div/"
     "Relu chains -> the CPU's fused ops",
     run_fuse_for_cpu},
    {"lower_int8_layers",
     "INT8 builds: fused Conv/MatMul planned INT8 with a scale -> Int8Conv/Int8MatMul with int8 "
     "weights",
     run_lower_int8},
};

const bool kRegistered = passes::register_backend_passes(
    BackendKind::kCpu, passes::describe_passes<CpuCompileState>(kPasses));

}  // namespace

std::span<const passes::BackendPass<CpuCompileState>> cpu_passes() { return kPasses; }

}  // namespace actrt::cpu
