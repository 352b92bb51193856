// A step is what a CudaContext (context.h) runs for one plan node: it holds the device pointers
// and descriptors it was built with, so that run() only enqueues work on the stream.
//
// Steps are made by the kernel table (kernel_table.h): each kernel family in steps/ defines its
// Step class next to the make_step that builds it from a node and a StepEnv.
#pragma once

#include <cublasLt.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <functional>
#include <string>

#include "actrt/precision.h"
#include "actrt/status.h"
#include "ir/graph.h"

namespace actrt::cuda {

// What a step runs with: the context's stream, library handles and shared workspace.
struct RunEnv {
  cudaStream_t stream = nullptr;
  cudnnHandle_t cudnn = nullptr;
  cublasLtHandle_t lt = nullptr;
  void* workspace = nullptr;
  size_t workspace_bytes = 0;
};

class Step {
 public:
  virtual ~Step() = default;
  virtual Status run(const RunEnv& env) = 0;
  // Errors that happened on the host during the last run (host-fallback steps).
  virtual Status host_status() const { return ok_status(); }
  // Pinned host memory the step owns (host-fallback staging), for memory_usage().
  virtual size_t pinned_bytes() const { return 0; }
  std::string name;
  std::string op_type;
  std::string kernel;
  // Its library kernels may start before the previous step's kernels end (programmatic
  // dependent launch): eager runs put a stream barrier before it (launch_order.h).
  bool may_start_early = false;
};

// What a kernel's make_step gets from the context under construction, for one node.
struct StepEnv {
  cudnnHandle_t cudnn = nullptr;
  cublasLtHandle_t lt = nullptr;
  int sm_count = 1;
  int64_t opset = 17;                 // the graph's default-domain opset (host fallback)
  Precision precision = Precision::kFp32;  // the plan's precision for this node
  // The node's scratch bytes in the arena (the kernel's scratch_bytes), nullptr when none.
  void* scratch = nullptr;
  // Device address of a value: a constant's shared device copy, or the value's arena bytes.
  std::function<Result<void*>(const ir::Value*)> device;
  // Whether a non-constant value has arena bytes (values without a known shape have none).
  std::function<bool(const ir::Value*)> has_buffer;
  // Copies `bytes` of host data into a device buffer that this context owns (for data that
  // belongs to one context, unlike the shared weight copies: normalized gather indices).
  std::function<Result<void*>(const void* host, size_t bytes, const std::string& what)>
      upload_owned;
  // The cuDNN / cuBLASLt workspace the context allocates: kernels raise it to what they need.
  size_t workspace_bytes = 0;
};

}  // namespace actrt::cuda
