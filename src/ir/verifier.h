// Structural checks of a graph: the invariants every pass must preserve.
#pragma once

#include "actrt/status.h"
#include "ir/graph.h"

namespace actrt::ir {

struct VerifyOptions {
  // Also require every value to have a dtype and static shape (after infer_shapes).
  bool require_shapes = false;
};

// Checks: unique value and node names; every node input is a graph input, a constant, or the
// output of an EARLIER node (topological order, hence no cycles); every value has at most one
// producer and producer pointers agree; graph outputs are produced or constant; no node reads
// a removed value. The first violation is returned, naming the node and value.
Status verify_graph(const Graph& graph, const VerifyOptions& options = {});

}  // namespace actrt::ir
