// batch_shared_branches: runs k identical per-branch chains as one chain over a batch of k
// ("horizontal batching"). ACT unrolls its shared ResNet backbone once per camera; this turns
// the k per-camera Conv chains into one chain of batch k (k times fewer, larger launches).
//
// Seeds: k values x_0..x_{k-1} of one shape [1, ...] that are slices of one common tensor X
// along one axis a: Gather(X, scalar or 1-element constant index, axis=a), or Slice(X) taking one
// element along a with step 1, possibly followed by Squeeze/Unsqueeze/Reshape/Flatten. Branch j
// is the slice with the j-th smallest index.
// Growth (in topological order): k nodes n_0..n_{k-1} form a batched group when they have the
// same op type, domain and attributes, one output of one shape [1, ...], and, slot by slot,
// either the same constant (the same value or equal data) or the branch-j value of one already
// batched group (n_j reads branch j). Only ops whose result for one batch item depends on that
// item alone are batched:
//   Conv, MaxPool (no Indices output), AveragePool, LpPool, GlobalAverage/MaxPool and inference
//   BatchNormalization (the batched value in input 0, constant parameters);
//   elementwise unary ops and Add/Sub/Mul/Div/Pow/Max/Min/PRelu whose batched operands have the
//   output's rank and whose constants either have fewer dims or dim 0 == 1 (broadcast over the
//   batch, never along it).
// Rewrite: a connected set of groups (one that batches at least one Conv) becomes one node per
// group over [k, ...]. The seed batch is Reshape(X, [k, ...]) when all dims of X before a are 1,
// X has k elements along a and the branches take them in order 0..k-1 (ACT's image
// [1,ncam,3,H,W]); otherwise Concat(x_0..x_{k-1}, axis=0). A branch value read by anything that
// is not batched (or a graph output) is recovered by Slice(batch, [j], [j+1], axes=[0]) into
// that very value (it keeps its name and shape [1, ...]), so the rest of the graph is untouched;
// batching may go on past such a point.
// Why it is exact: each batched op computes every batch item from that item alone with the same
// parameters, as the per-branch ops did (the reference kernels loop over the batch), and
// Reshape/Concat/Slice only move data.
#pragma once

#include "actrt/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace actrt::passes {

Result<PassReport> batch_shared_branches(ir::Graph& graph);

}  // namespace actrt::passes
