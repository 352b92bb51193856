// Folds a constant offset of a GEMM's input into a constant addend of its output:
//   CudaMatMul([Reshape](Add(x, P)), W, bias)  ->  CudaMatMul([Reshape](x), W, alpha * P @ W + bias)
// with P and W constant and P of x's shape. In ACT every encoder layer adds the (constant)
// position embedding to its input before the Q and K projections, and the decoder does so before
// the cross-attention K projection: five elementwise launches whose work the GEMMs then do in
// their epilogue (cuBLASLt's C operand, matmul.h GemmSpec::addend) for free.
// Exact in real arithmetic; in floating point the sum is rounded in another order (FP32 results
// move by about 1e-7 relative).
#pragma once

#include "passes/graph_rewriter.h"

namespace actrt::cuda {

// Returns the number of GEMMs rewritten. Adds that no longer have readers are removed.
int fold_matmul_input_offsets(passes::GraphRewriter& rw);

}  // namespace actrt::cuda
