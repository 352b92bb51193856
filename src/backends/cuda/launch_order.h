// Keeps library kernels from starting before the work they depend on has finished.
//
// Hopper lets a kernel launched with programmatic dependent launch (PDL) start while the kernel
// before it in the stream still runs; it must then wait (griddepcontrol.wait) before it reads
// what that kernel writes. On the H100 with cuDNN 9.14, some of the runtime-compiled INT8
// convolution kernels evidently do not: an INT8 engine whose consecutive convolutions use
// different engine configurations (e.g. "e2;24=23" then "e4;24=27") read their input while the
// previous convolution still wrote it. The results were 20-60 % off, the same at every CUDA
// graph replay, and now and then in eager runs, but never with CUDA_LAUNCH_BLOCKING=1, which
// serializes every launch (tests/ops/cuda_int8_rerun_test.cc, CudaInt8ContextRerun;
// docs/dev/performance.md "Session 5").
//
// So a context serializes: in a captured CUDA graph every programmatic dependency becomes a full
// one (free at replay), and in eager runs a one-thread kernel goes before each step whose
// library kernels may start early (a few microseconds each; eager runs are the first run, the
// graph check and profiles).
#pragma once

#include <cuda_runtime.h>

#include <string>

#include "actrt/status.h"

namespace actrt::cuda {

// What serialize_programmatic_dependencies changed.
struct SerializedDependencies {
  int edges = 0;         // programmatic edges turned into full ones
  int kernel_nodes = 0;  // kernel nodes whose programmatic-serialization attribute was cleared
  std::string example;   // "kernel a -> kernel b" of the first edge changed ("" when none)
};

// Turns every programmatic dependency of `graph` (what a PDL launch becomes when captured) into
// an ordinary one: full completion and memory visibility of the upstream kernel.
Result<SerializedDependencies> serialize_programmatic_dependencies(cudaGraph_t graph);

// Enqueues a one-thread kernel that does nothing: the next launch in `stream` can then start
// early only relative to it, and it starts only after everything before it has finished.
cudaError_t launch_stream_barrier(cudaStream_t stream);

}  // namespace actrt::cuda
