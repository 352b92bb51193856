// fold_squeeze_unsqueeze: drops a Squeeze / Unsqueeze that undoes the one before it.
//
// Matches Unsqueeze(Squeeze(x)) and Squeeze(Unsqueeze(x)) (any axes) whose output has x's
// static shape and dtype: its readers read x instead. The inner node stays for its other
// readers; eliminate_dead drops it when it has none.
// Why it is exact: Squeeze and Unsqueeze keep every element in place and change only the shape,
// so a pair that restores x's shape restores x.
// Where it comes from: LeRobot's ACT builds its encoder tokens with list(feature_map) and
// torch.stack, which torch exports as Split -> one Squeeze per token -> one Unsqueeze per token
// -> Concat (hundreds of nodes at 480x640); with the pairs gone, merge_split_concat puts the
// feature map back in one piece.
#pragma once

#include "actrt/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace actrt::passes {

Result<PassReport> fold_squeeze_unsqueeze(ir::Graph& graph);

}  // namespace actrt::passes
