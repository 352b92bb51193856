// The op harness's expectation table: which cases do NOT run on a backend's own kernel, and why.
// A case without an entry must run on a non-fallback kernel; so a kernel-table change that sends
// an op to the host fallback (or a fallback that gains a kernel) fails a test until this table
// says so. Known failures are bugs found by the harness, with the failing case named.
#pragma once

#include <string>
#include <string_view>

#include "actrt/precision.h"

namespace actrt::op_harness {

enum class Outcome {
  kKernel,        // a backend kernel runs the node (the default)
  kFallback,      // the backend's reference fallback runs it
  kFolded,        // the output is a build-time constant: nothing runs
  kKnownFailure,  // a backend bug: the case fails; `reason` describes it
};

struct Expectation {
  BackendKind backend;
  std::string_view op;
  std::string_view variant;  // "" : every variant of the op
  Outcome outcome;
  std::string_view reason;
};

inline constexpr std::string_view kStaticShapes =
    "shapes are static, so the output is computed at build time";

inline constexpr std::string_view kNoCpuKernel = "the CPU table has no kernel for this op";

inline constexpr Expectation kExpectations[] = {
    // Both backends.
    {BackendKind::kCpu, "Shape", "", Outcome::kFolded, kStaticShapes},
    {BackendKind::kCuda, "Shape", "", Outcome::kFolded, kStaticShapes},
    {BackendKind::kCpu, "ConstantOfShape", "", Outcome::kFolded, kStaticShapes},
    {BackendKind::kCuda, "ConstantOfShape", "", Outcome::kFolded, kStaticShapes},
    {BackendKind::kCpu, "Range", "", Outcome::kFolded, kStaticShapes},
    {BackendKind::kCuda, "Range", "", Outcome::kFolded, kStaticShapes},
    {BackendKind::kCpu, "Constant", "", Outcome::kFolded, "a constant"},
    {BackendKind::kCuda, "Constant", "", Outcome::kFolded, "a constant"},

    // CPU: variants its kernels do not take.
    {BackendKind::kCpu, "Conv", "same_upper", Outcome::kFallback, "onednn.conv takes explicit pads only"},
    {BackendKind::kCpu, "MatMul", "batched_bcast", Outcome::kFallback,
     "onednn.matmul: constant 2-D B, or runtime operands without batch broadcasting"},
    {BackendKind::kCpu, "MatMul", "vec_rhs", Outcome::kFallback, "onednn.matmul: no 1-D operand"},
    {BackendKind::kCpu, "Gemm", "transA_alpha_beta", Outcome::kFallback, "onednn.matmul: no transA"},
    {BackendKind::kCpu, "Gemm", "transAB_scalar_c", Outcome::kFallback, "onednn.matmul: no transA"},
    {BackendKind::kCpu, "Softmax", "axis1_of3", Outcome::kFallback, "cpu.softmax: last axis only"},
    {BackendKind::kCpu, "Add", "bcast_both", Outcome::kFallback,
     "cpu.eltwise: the first input must have the output's shape"},
    {BackendKind::kCpu, "Sub", "bcast_both", Outcome::kFallback,
     "cpu.eltwise: the first input must have the output's shape"},
    {BackendKind::kCpu, "Mul", "bcast_both", Outcome::kFallback,
     "cpu.eltwise: the first input must have the output's shape"},
    {BackendKind::kCpu, "Div", "bcast_both", Outcome::kFallback,
     "cpu.eltwise: the first input must have the output's shape"},
    {BackendKind::kCpu, "Gather", "runtime_idx", Outcome::kFallback, "cpu.gather: constant indices only"},
    // CPU: ops without a kernel (alone; some fuse into a preceding Conv / MatMul kernel).
    {BackendKind::kCpu, "AveragePool", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "GlobalAveragePool", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "BatchNormalization", "", Outcome::kFallback,
     "folded into a preceding Conv by the graph passes; alone, no CPU kernel"},
    {BackendKind::kCpu, "QuantizeLinear", "", Outcome::kFallback,
     "INT8 Q/DQ models are lowered to onednn.*.s8 around Conv / MatMul; alone, no CPU kernel"},
    {BackendKind::kCpu, "DequantizeLinear", "", Outcome::kFallback,
     "INT8 Q/DQ models are lowered to onednn.*.s8 around Conv / MatMul; alone, no CPU kernel"},
    {BackendKind::kCpu, "Neg", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Abs", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Exp", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Log", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Erf", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Tanh", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Sigmoid", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Gelu", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Sqrt", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Reciprocal", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Sin", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Cos", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Not", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Clip", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Cast", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Pow", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Min", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Max", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Equal", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Less", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Greater", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Where", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "ReduceMean", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "ReduceSum", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "ReduceMax", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "CumSum", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Split", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Slice", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Expand", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Tile", "", Outcome::kFallback, kNoCpuKernel},
    {BackendKind::kCpu, "Pad", "", Outcome::kFallback, kNoCpuKernel},
};

// Whether the CUDA rows above were taken from a GPU run. Until they are (no GPU could be had when
// the harness was written), a CUDA case whose kernel outcome differs from its row is reported,
// not failed; its numbers are checked either way. Fill the rows from `ops_cuda
// --gtest_filter='OpHarness*'` on a GPU (each mismatch prints the kernels), then set this true.
inline constexpr bool kCudaRowsVerified = false;

// The entry for (backend, op, variant): a variant's own entry wins over the op's; kKernel
// with an empty reason when there is none.
inline Expectation expectation_for(BackendKind backend, std::string_view op, std::string_view variant) {
  const Expectation* op_wide = nullptr;
  for (const Expectation& e : kExpectations) {
    if (e.backend != backend || e.op != op) continue;
    if (e.variant == variant) return e;
    if (e.variant.empty()) op_wide = &e;
  }
  return op_wide ? *op_wide : Expectation{backend, op, variant, Outcome::kKernel, ""};
}

inline const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kKernel: return "kernel";
    case Outcome::kFallback: return "fallback";
    case Outcome::kFolded: return "folded";
    case Outcome::kKnownFailure: return "known failure";
  }
  return "?";
}

}  // namespace actrt::op_harness
