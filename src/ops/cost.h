// Arithmetic cost estimates per node (for `actrt inspect` and the roofline in docs/dev/performance.md).
#pragma once

#include <cstdint>

#include "ir/graph.h"

namespace actrt::ops {

// Floating-point operations of one execution of `node` (a multiply-add counts as 2), from its
// inferred shapes. Matrix products and convolutions are exact; elementwise ops count one
// operation per output element; pure data movement counts 0.
int64_t estimate_flops(const ir::Node& node);

// Bytes a node must read and write at least once (inputs + outputs, constants included).
int64_t estimate_bytes(const ir::Node& node);

}  // namespace actrt::ops
