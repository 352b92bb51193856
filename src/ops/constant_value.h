// The tensor a Constant node produces, decoded from whichever value* attribute it carries.
// Shared by shape inference and the reference kernel so the two cannot disagree.
#pragma once

#include "actrt/status.h"
#include "actrt/tensor.h"
#include "ir/graph.h"

namespace actrt::ops {

// Exactly one of value / value_float / value_floats / value_int / value_ints must be present;
// sparse_value and value_string(s) are reported as unsupported.
Result<Tensor> constant_node_value(const ir::Node& node);

}  // namespace actrt::ops
