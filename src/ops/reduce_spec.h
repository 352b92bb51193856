// What a Reduce* node reduces, resolved once from its attributes and its optional axes input.
// Shared by shape inference (src/ops/reduce.cc) and the kernels that execute reductions, so that
// the opset-dependent rules (axes attribute vs. input, keepdims, noop_with_empty_axes) live in
// one place.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "actrt/status.h"
#include "actrt/tensor.h"
#include "ir/graph.h"

namespace actrt::ops {

struct ReduceSpec {
  std::vector<bool> reduced;  // per input axis: reduced or kept
  bool keepdims = true;
  bool noop = false;  // empty axes with noop_with_empty_axes=1: the output is the input
};

// First default-domain opset in which `op_type` takes axes as an input instead of an attribute
// (ReduceSum: 13, ReduceMean / ReduceMax and the other reductions: 18).
int64_t reduce_axes_input_opset(std::string_view op_type);

// Resolves a reduction over an input of rank `rank`. `axes_input` is the node's axes tensor
// (input 1) or nullptr when absent; it is only read from reduce_axes_input_opset() on.
// Errors name the node.
Result<ReduceSpec> resolve_reduce(const ir::Node& node, int64_t opset, const Tensor* axes_input,
                                  int64_t rank);

// The input shape with reduced axes set to 1 (keepdims) or dropped.
Shape reduced_shape(const Shape& input, const ReduceSpec& spec, bool keepdims);

}  // namespace actrt::ops
