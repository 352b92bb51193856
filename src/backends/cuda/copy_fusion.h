// Collapses chains of data-movement ops around Concat into one op of strided copies.
//
// ACT's backbone-to-transformer junction is Transpose (NHWC -> NCHW) -> 3 Slices (one per camera)
// -> Concat -> Reshape -> Transpose -> Concat (with the latent and proprioception tokens): ten
// launches that only move 1 MB. Every element of the result comes from exactly one element of a
// source, at a position that is an affine function of its index, so the chain is a few strided
// copies: each Concat input ("piece") is read through the views before it (Transpose, Slice,
// Reshape, Squeeze, Unsqueeze) and written through the views after the Concat, up to an outer
// Concat that takes the result as one of its inputs.
//
// The fused op is CudaCopy(sources...) with attribute `pieces`, one record per piece:
//   source index, rank, shape[rank], source offset, source strides[rank],
//   destination offset, destination strides[rank]
// (elements; the destination is the op's output). A view that cannot be expressed with strides (a
// Reshape that merges non-contiguous dimensions) ends the chain there: that value is materialized
// as before.
#pragma once

#include "actrt/status.h"
#include "ir/graph.h"

namespace actrt::cuda {

// Returns the number of nodes the rewrite removed (net).
Result<int> fold_copy_chains(ir::Graph& graph);

}  // namespace actrt::cuda
