// eliminate_identity: removes Identity and inference-mode Dropout nodes.
//
// Matches: Identity(x) -> y, and Dropout(x[, ratio[, training_mode]]) -> y[, mask] when
// training_mode is absent or a constant false (inference) and the mask output is unused.
// Why it is exact: both ops return their input unchanged at inference (Dropout scales nothing
// when not training), so every reader of y can read x instead.
// Graph outputs keep their names: when y is a graph output, x's producer is made to produce y
// itself. When that is impossible (x is a graph input, a graph output or a constant without
// producer) the node stays: the output must exist under its own name.
#pragma once

#include "actrt/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace actrt::passes {

Result<PassReport> eliminate_identity(ir::Graph& graph);

}  // namespace actrt::passes
