// merge_split_concat: a Concat that glues a Split back together reads the Split's input.
//
// Matches Concat(..., s_0, s_1, ..., s_{n-1}, ..., axis=a) where s_0..s_{n-1} are ALL the
// outputs of one Split(x, axis=a), consecutive and in order (static shapes, same rank). The
// run becomes x; a Concat left with one input is replaced by it. The Split stays for its other
// readers; eliminate_dead drops it when it has none.
// Why it is exact: Split cuts x along a into consecutive pieces and Concat along the same axis
// lays them side by side in the same order, which is x, element for element.
// Where it comes from: LeRobot's ACT (list(feature_map) then torch.stack of the tokens), once
// fold_squeeze_unsqueeze has removed the per-token Squeeze/Unsqueeze pairs: each camera's
// [H*W, B, C] token tensor goes back into the encoder's input Concat in one piece.
#pragma once

#include "actrt/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace actrt::passes {

Result<PassReport> merge_split_concat(ir::Graph& graph);

}  // namespace actrt::passes
