// fold_constants: replaces every node whose outputs infer_shapes made constant by those
// constants, and removes the node.
//
// Exact by construction: the constants were computed by the reference kernels on the very
// inputs the node would have seen. On ACT this removes the sine position embedding, the
// Shape/Gather/Concat/ConstantOfShape/Range/CumSum chains and the frozen-BatchNorm arithmetic.
#pragma once

#include "passes/pass.h"

namespace actrt::passes {

Result<PassReport> fold_constants(ir::Graph& graph);

}  // namespace actrt::passes
