// Graph rewrites of the CPU backend (compile time): turns ONNX patterns into the fused ops of
// fused_ops.h. Each rewrite keeps the output value of the pattern's last node, so graph outputs
// and every other consumer are untouched; nodes of a pattern are removed only when nothing
// else reads their outputs.
#pragma once

#include <map>
#include <string>

#include "actrt/status.h"
#include "ir/graph.h"

namespace actrt::cpu {

struct FusionStats {
  int attention = 0;
  int conv = 0;
  int matmul = 0;
  int eltwise = 0;
};

// Applies, in order: attention, conv (+residual)(+relu), matmul/gemm (+bias)(+relu),
// elementwise chains. Leaves the graph compacted and topologically sorted.
Result<FusionStats> fuse_for_cpu(ir::Graph& graph);

}  // namespace actrt::cpu
