// Readable text dump of a graph (`actrt inspect --dump-graph`).
#pragma once

#include <string>

#include "ir/graph.h"

namespace actrt::ir {

// One line per input, node and output:
//   input  image: f32 1x2x3x96x128
//   [12] Conv 'conv1' (x: f32 1x3x96x128, w: const f32 8x3x7x7) -> y: f32 1x8x48x64  {strides=[2, 2]}
//   output actions: f32 1x20x6
// Constants larger than a few elements are summarized, never printed in full.
std::string dump_graph(const Graph& graph);

}  // namespace actrt::ir
