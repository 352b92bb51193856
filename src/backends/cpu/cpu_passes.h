// The CPU backend's passes (passes/backend_pass.h), in run order:
//   fold_qdq -> fuse_for_cpu -> lower_int8_layers
// compile() runs them with passes::run_backend_passes (verifier after each, --disable-pass);
// `actrt inspect MODEL --list-passes --backend cpu` lists them. None is required for correct
// results: without fuse_for_cpu the ONNX ops run on the unfused kernels (reference fallback
// where the table has no fast kernel), without lower_int8_layers every layer stays FP32, and
// without fold_qdq the model's Q/DQ pairs run as ops.
#pragma once

#include <span>

#include "actrt/builder_config.h"
#include "backends/cpu/fusion.h"
#include "backends/cpu/int8_lowering.h"
#include "passes/backend_pass.h"
#include "passes/fold_qdq.h"
#include "quant/int8_intent.h"
#include "runtime/plan.h"

namespace actrt::cpu {

// What the CPU passes read and hand on to each other and to compile().
struct CpuCompileState {
  CpuCompileState(runtime::Plan& p, const BuilderConfig& c) : plan(p), config(c) {}
  CpuCompileState(const CpuCompileState&) = delete;
  CpuCompileState& operator=(const CpuCompileState&) = delete;

  runtime::Plan& plan;
  const BuilderConfig& config;
  // Which fused nodes run INT8 (quant/int8_intent.h); fold_qdq adds the model's Q/DQ scales.
  quant::Int8Intent intent;
  passes::QdqFold qdq;     // fold_qdq
  FusionStats fusion;      // fuse_for_cpu
  Int8Lowering int8;       // lower_int8_layers
};

std::span<const passes::BackendPass<CpuCompileState>> cpu_passes();

}  // namespace actrt::cpu
