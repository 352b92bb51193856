// fuse_matmul_add: MatMul with a constant weight followed by Add of a constant bias -> Gemm.
//
// Matches: MatMul(A, W) with W a constant f32 [K, N] and A of static shape [..., M', K] (rank
// >= 2), whose output is read only by Add(y, c) / Add(c, y) where c is a constant that varies
// along the last dim only: a shape [..., N] or [..., 1] whose other dims are all 1 and whose rank
// does not exceed y's (so the Add does not broadcast y to a larger shape).
// Rewrite: rank 2: Gemm(A, W, c[N]); rank r > 2: Reshape(A, [M, K]) -> Gemm -> Reshape to y's
// shape, with M the product of A's leading dims. The Add's output keeps its name.
// Why it is exact: for rank-2 A, MatMul + Add is by definition Gemm(alpha=1, beta=1) with C
// broadcast over rows; for higher ranks MatMul applies the same [K, N] matrix to every row of
// A's row-major [M, K] view, which is what the Reshapes (pure views) expose. Only the order of
// the final addition can differ in rounding.
#pragma once

#include "actrt/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace actrt::passes {

Result<PassReport> fuse_matmul_add(ir::Graph& graph);

}  // namespace actrt::passes
