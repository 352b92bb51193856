// Graph rewrites of the CUDA backend (compile time), into the ops of cuda_ops.h.
//
// Each fusion keeps the output Value of the pattern's last node (so graph outputs and other
// readers are untouched) and removes a pattern's nodes only when nothing else reads their
// intermediate outputs. Then:
//   to_nhwc()       runs CudaConv / CudaMaxPool on NHWC data, with Transposes only where a
//                   value enters or leaves a run of NHWC ops, and weights reordered to KRSC;
//   to_fp16()       makes every floating activation FP16 (Casts at graph inputs and outputs)
//                   and converts constants to FP16, except LayerNorm's gamma / beta.
#pragma once

#include <map>
#include <string>

#include "actrt/status.h"
#include "ir/graph.h"

namespace actrt::cuda {

struct FusionStats {
  int attention = 0;
  int conv = 0;
  int matmul = 0;
  int matmul_input_offsets = 0;  // constant input offsets folded into GEMM addends
  int layer_norm = 0;
  int eltwise = 0;
  int layout_transposes = 0;
  // NHWC value name -> the name of the NCHW tensor whose data it holds (INT8 scales are keyed
  // by the original tensor names).
  std::map<std::string, std::string> nhwc_origin;
};

// Pattern fusions (attention, conv, matmul, layer norm, elementwise chains), then NHWC layout.
// Leaves the graph compacted and topologically sorted.
Result<FusionStats> fuse_for_cuda(ir::Graph& graph);

// FP16 activations and weights (see above). Leaves the graph topologically sorted.
Status convert_to_fp16(ir::Graph& graph);

}  // namespace actrt::cuda
