// Merges the Q, K and V projections that read the same input into one GEMM whose [M, 3 E]
// output the attention kernel reads in place (sequence-major, with per-input head offsets:
// attention_layout.h). In ACT every encoder layer projects the same tokens three times (the
// position embedding is already in the Q and K GEMMs' addends, matmul_addend.h), and the
// decoder's cross-attention projects the encoder memory twice (K and V): three launches become
// one wider GEMM. Runs on FP16 graphs after fold_attention_layouts (only sequence-major inputs are
// merged). Returns the number of GEMMs removed.
#pragma once

#include "actrt/status.h"
#include "ir/graph.h"

namespace actrt::cuda {

Result<int> merge_qkv_projections(ir::Graph& graph);

}  // namespace actrt::cuda
