// hoist_activation_over_reshape: Reshape(x) -> Act  becomes  Act(x) -> Reshape.
//
// Matches: a unary elementwise activation (Relu, Sigmoid, Tanh, Gelu, Erf, Softsign) whose input
// is the output of a view op (Reshape, Flatten, Squeeze, Unsqueeze) that nothing else reads.
// Why: fuse_matmul_add writes a 3-D MatMul as Reshape -> Gemm -> Reshape, which puts the
// unflattening Reshape between the Gemm and the ReLU of a transformer's feed-forward block;
// with the activation first, the backends fuse it into the GEMM's epilogue.
// Why it is exact: an elementwise op does not care about the shape its elements are viewed in.
#pragma once

#include "actrt/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace actrt::passes {

Result<PassReport> hoist_activation_over_reshape(ir::Graph& graph);

}  // namespace actrt::passes
