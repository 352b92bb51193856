// eliminate_dead: dead-code elimination, then Graph::compact().
//
// Matches: every node none of whose outputs reaches a graph output (walking producers back from
// the graph outputs), and every value nothing references afterwards.
// Why it is exact: ONNX ops have no side effects, so a node whose results are never read cannot
// change the model's outputs. On ACT this is what drops decoder layers 1..6 once
// simplify_gather_of_concat has stopped reading them (shared/ACT.md, 'the decoder bug').
#pragma once

#include "actrt/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace actrt::passes {

Result<PassReport> eliminate_dead(ir::Graph& graph);

}  // namespace actrt::passes
