// The reference backend: one plain, obviously correct kernel per op in ops.def.
//
// These kernels are the oracle that every fast backend is tested against, and the evaluator
// used by constant folding. They favour clarity over speed: scalar loops, double accumulation
// for sums and dot products.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "actrt/status.h"
#include "actrt/tensor.h"
#include "ir/graph.h"

namespace actrt::reference {

// A kernel reads `inputs` (nullptr for absent optional inputs) and writes `outputs`, which the
// executor has already allocated with the dtypes and shapes that shape inference gave
// (nullptr-free; an output the model does not request is still allocated).
struct KernelArgs {
  const ir::Node& node;
  int64_t opset;
  std::span<const Tensor* const> inputs;
  std::span<Tensor> outputs;

  const Tensor* input(size_t i) const { return i < inputs.size() ? inputs[i] : nullptr; }
  Status error(const std::string& message) const {
    return invalid_argument(node.describe() + ": " + message);
  }
};

using KernelFn = Status (*)(const KernelArgs&);

// Declarations generated from ops.def.
#define ACTRT_OP(name, quant, traits) Status ref_##name(const KernelArgs&);
#include "ops/ops.def"
#undef ACTRT_OP

// The reference kernel for a default-domain op, or nullptr.
KernelFn find_kernel(std::string_view op_type);

}  // namespace actrt::reference
