#include "backends/cuda/kernel_table.h"

namespace actrt::cuda {

Result<const CudaKernel*> cuda_kernel_for(const ir::Node& node) {
  return runtime::first_accepting(cuda_kernels(), node);
}

std::string kernel_layer_name(const CudaKernel& kernel, const ir::Node& node) {
  return kernel.layer_name ? kernel.layer_name(node) : kernel.name;
}

Status assign_kernels(runtime::Plan& plan) {
  std::string refused;
  int count = 0;
  for (const auto& n : plan.graph->nodes()) {
    auto kernel = cuda_kernel_for(*n);
    if (kernel.ok()) {
      plan.layers[n->name()].kernel = kernel_layer_name(**kernel, *n);
      continue;
    }
    if (kernel.status().code() != StatusCode::kUnsupported) return kernel.status();
    refused += "\n  " + kernel.status().message();
    ++count;
  }
  if (count == 0) return ok_status();
  return unsupported("CUDA backend: " + std::to_string(count) + " node(s) that no kernel runs:" +
                     refused);
}

}  // namespace actrt::cuda
