// Memory layouts of CudaAttention's Q, K, V and O, so that attention reads the projections and
// writes its result where they already are, without the four Transposes per layer that
// PyTorch's multi-head attention exports.
//
// Attribute `layouts` = [q, k, v, o], each
//   0  head-major [batch..., S, D] (the ONNX semantics of the node; the default), or
//   1  sequence-major [S, heads, D]: head h of row s at s * heads * D + h * D, which is the
//      [S, heads * D] output of a projection MatMul read as is. With attribute head_offsets
//      = [q, k, v] an input may hold more heads than the attention reads, starting at its offset.
// Only the flash kernel (FP16, D = 64) takes layout 1; the cuBLASLt path needs head-major.
#pragma once

#include "actrt/status.h"
#include "backends/cuda/kernels.h"
#include "ir/graph.h"

namespace actrt::cuda {

struct AttentionGeometry {
  int64_t batch = 0;  // heads (times batch size)
  int64_t sq = 0, sk = 0, d = 0, dv = 0;
  bool k_transposed = false;  // K given as [..., D, Sk] (head-major only)
  AttentionStrides strides;   // element strides for the flash kernel
  // Elements from each input's start to its first head (attribute head_offsets, in heads: merged
  // Q/K/V projections keep all three in one [S, 3 H, D] value, qkv_merge.h).
  int64_t q_offset = 0, k_offset = 0, v_offset = 0;
};

// The geometry of a CudaAttention node from its values' shapes and its attributes; an error
// naming the node when they disagree.
Result<AttentionGeometry> attention_geometry(const ir::Node& node);

// Rewrites FP16 CudaAttention nodes with D = 64 to read Q, K, V through
// Transpose(Reshape([S, 1, H * D] -> [S, H, D])) sources directly (layout 1), and to write O
// sequence-major when its only reader is the Transpose back. Transposes that nothing else reads
// are removed. Returns the number of Transposes removed.
Result<int> fold_attention_layouts(ir::Graph& graph);

}  // namespace actrt::cuda
