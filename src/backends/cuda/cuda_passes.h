// The CUDA backend's passes (passes/backend_pass.h), in run order:
//   fold_qdq -> fuse_for_cuda -> lower_int8_layers -> convert_to_fp16 -> fold_attention_layouts
//   -> merge_qkv -> fold_eltwise_io -> fold_copy_chains -> lower_bf16_matmuls
// compile() runs them with passes::run_backend_passes (verifier after each, --disable-pass);
// `actrt inspect MODEL --list-passes --backend cuda` lists them. The list is static: passes for
// one kind of build (INT8, FP16, BF16) skip themselves in the others. Required (refused by
// --disable-pass): fuse_for_cuda, whose NHWC fused ops every later pass and the CUDA kernels
// expect, and convert_to_fp16, without which an FP16 build's layers would be recorded FP16 over
// FP32 data.
#pragma once

#include <map>
#include <span>
#include <string>

#include "actrt/builder_config.h"
#include "backends/cuda/fusion.h"
#include "backends/cuda/int8_lowering.h"
#include "passes/backend_pass.h"
#include "passes/fold_qdq.h"
#include "quant/int8_intent.h"
#include "runtime/plan.h"

namespace actrt::cuda {

// What the CUDA passes read and hand on to each other and to compile(). Not movable: intent
// points into it.
struct CudaCompileState {
  CudaCompileState(runtime::Plan& p, const BuilderConfig& c) : plan(p), config(c) {}
  CudaCompileState(const CudaCompileState&) = delete;
  CudaCompileState& operator=(const CudaCompileState&) = delete;

  runtime::Plan& plan;
  const BuilderConfig& config;
  // config.layer_precisions plus the convolutions a previous attempt kept out of INT8.
  std::map<std::string, Precision> overrides;
  quant::Int8Intent intent;  // overrides -> &overrides, planned: the INT8 planner's choices
  passes::QdqFold qdq;       // fold_qdq
  FusionStats fusion;        // fuse_for_cuda
  CudaInt8Lowering int8;     // lower_int8_layers
  int folded_transposes = 0;   // fold_attention_layouts
  int merged_projections = 0;  // merge_qkv
  int folded_eltwise_io = 0;   // fold_eltwise_io
  int folded_copies = 0;       // fold_copy_chains
  int bf16_matmuls = 0;        // lower_bf16_matmuls
};

std::span<const passes::BackendPass<CudaCompileState>> cuda_passes();

}  // namespace actrt::cuda
