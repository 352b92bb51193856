// The CUDA backend's kernel table (runtime/kernel_table.h): one entry per kernel, in priority
// order, each defined in its family's file under steps/ next to the Step it builds.
//
// The table is the only place that decides what runs a node: compile() names each node's
// kernel in plan.layers from it (kernel_layer_name), the context builds each step from it, and
// `actrt inspect --list-kernels`, the op harness and docs/ops.md read it through
// CudaBackend::kernels().
#pragma once

#include <memory>
#include <span>
#include <string>

#include "backends/cuda/step.h"
#include "runtime/kernel_table.h"
#include "runtime/plan.h"

namespace actrt::cuda {

struct CudaKernel {
  const char* name = "";
  const char* summary = "";
  runtime::AcceptsFn accepts = nullptr;
  // Builds the node's step; nullptr for kernels that need none at run time (views, constants).
  Result<std::unique_ptr<Step>> (*make_step)(StepEnv& env, const ir::Node& node) = nullptr;
  // Arena scratch the step needs besides its inputs and outputs (nullptr: none).
  Result<size_t> (*scratch_bytes)(const ir::Node& node, int sm_count) = nullptr;
  // The kernel's name in plan.layers when it says more than `name` (the chosen tactic).
  std::string (*layer_name)(const ir::Node& node) = nullptr;
  bool host_fallback = false;
  // The step's output aliases its input's bytes (no step, no buffer of its own).
  bool is_view = false;
};

// The table, in priority order.
std::span<const CudaKernel> cuda_kernels();

// The kernel that runs `node`, or kUnsupported naming the node and every kernel's reason.
Result<const CudaKernel*> cuda_kernel_for(const ir::Node& node);

// The name plan.layers records for `node` run by `kernel`.
std::string kernel_layer_name(const CudaKernel& kernel, const ir::Node& node);

// Fills plan.layers[node].kernel for every node of plan.graph; the error lists every node that
// no kernel accepts, with the reasons.
Status assign_kernels(runtime::Plan& plan);

}  // namespace actrt::cuda
