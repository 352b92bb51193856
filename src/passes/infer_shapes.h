// Shape and dtype inference over a whole graph, with constant propagation.
//
// Walks nodes in topological order and calls each op's inference function (ops.def). When all
// inputs of a node are constant, or the node is a Shape of a value whose shape is known, the
// node is also evaluated with the reference kernels and its outputs get constant data attached
// (the node itself stays; passes::fold_constants removes it). This is what turns ACT's
// Shape/Gather/Concat chains into the constants that Reshape and friends need.
#pragma once

#include <cstdint>

#include "actrt/status.h"
#include "ir/graph.h"

namespace actrt::passes {

struct InferOptions {
  // Constants larger than this are not materialized by propagation (keeps memory bounded on
  // huge folded tensors); their consumers then see a non-constant value.
  int64_t max_folded_bytes = int64_t{256} << 20;
};

// Fails on the first node whose inference fails (after reporting every unsupported op at once:
// an unsupported-op error lists all of them by node name).
Status infer_shapes(ir::Graph& graph, const InferOptions& options = {});

// Every node whose op is not in ops.def, as one error listing them all by node name
// ("3 unsupported nodes: NonZero 'nz1', If 'if_0', ..."); ok when all are supported.
Status check_supported(const ir::Graph& graph);

}  // namespace actrt::passes
