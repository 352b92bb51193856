// BF16 matrix products on the CUDA backend (--bf16, or --layer-precisions NAME:bf16).
//
// A BF16 CudaMatMul reads BF16 A and B and writes FP32 (cuBLASLt: BF16 inputs, FP32
// accumulation, FP32 C and bias; it has no BF16 x BF16 -> FP16). The rest of the engine keeps
// its activation type (FP32, or FP16 with --fp16), so each such product is rewritten into
//   [Cast(A) -> bf16]  CudaMatMul(A', B', bias')  [-> Cast to the activation type]
// with constant weights stored in BF16 (rounded to nearest even), constant biases / addends in
// FP32, and Cast nodes only where a value changes type (an FP32 engine's output needs none).
// BF16 has FP32's range with 8 bits of mantissa: coarser than FP16 (11), for models whose
// activations overflow FP16.
#pragma once

#include <map>
#include <set>
#include <string>

#include "actrt/precision.h"
#include "actrt/status.h"
#include "ir/graph.h"

namespace actrt::cuda {

// Rewrites the CudaMatMul nodes of `g` named in `names` as above and returns how many. An
// error lists the names that are no CudaMatMul of `g` (BF16 is for matrix products only)
// without changing the graph.
Result<int> lower_bf16_matmuls(ir::Graph& g, const std::set<std::string>& names);

// The CudaMatMul nodes of `g` that a build makes BF16: those `overrides` sets to bf16, and with
// `all` (--bf16) every other one that `overrides` does not set to another precision.
std::set<std::string> bf16_matmul_names(const ir::Graph& g,
                                        const std::map<std::string, Precision>& overrides,
                                        bool all);

}  // namespace actrt::cuda
