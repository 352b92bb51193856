// From a CudaEltwise node to the EltwiseChain its kernel runs (kernels.h), and the rewrite that
// lets a chain also do the Cast and the layout Transpose around it.
//
// A chain may carry attribute `perm`: it then writes Transpose(chain(x), perm), i.e. its output
// value has the transposed shape and the chain's own (pre-transpose) shape is the inverse
// permutation of it. Its x may have another float dtype than its output (a folded Cast).
#pragma once

#include "actrt/status.h"
#include "backends/cuda/kernels.h"
#include "ir/graph.h"

namespace actrt::cuda {

// The kernel description of CudaEltwise `node`: ops, operand broadcast strides and x's read
// strides, all in the output's index order. Errors name the node.
Result<EltwiseChain> eltwise_chain_for(const ir::Node& node);

// Folds into CudaEltwise chains (i) a Cast between float types that feeds a chain and nothing
// else, and (ii) a Transpose that reads a chain's output (directly or through a Reshape that only
// merges or splits leading dimensions no operand broadcasts over) and nothing else reads. ACT's
// image path, Cast -> (x - mean) / std -> Reshape -> Transpose to NHWC, becomes one launch that
// reads the FP32 NCHW input once and writes the FP16 NHWC tensor the first convolution takes.
// Returns the number of nodes removed.
Result<int> fold_eltwise_io(ir::Graph& graph);

}  // namespace actrt::cuda
