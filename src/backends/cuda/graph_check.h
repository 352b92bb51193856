// The check a CUDA context runs once, right after capturing its forward into a CUDA graph: the
// graph, replayed on the same inputs, must reproduce the step-by-step (eager) forward.
//
// Why: a captured graph freezes whatever the libraries enqueue, and a library that keeps state
// between calls can replay differently from how it ran. The check found the cuDNN 9.14 INT8
// problem of docs/dev/performance.md "Session 4" (kernels that start early and read too soon; fixed
// by launch_order.h) and stays as the net for the next such case: it compares two replays with
// an eager run; a context that finds a difference warns, names the output, and runs step by
// step.
#pragma once

#include <cuda_runtime.h>

#include <string>
#include <vector>

#include "actrt/dtype.h"
#include "actrt/status.h"

namespace actrt::cuda {

// A device buffer of a context: a graph input or output.
struct DeviceSpan {
  std::string name;
  void* data = nullptr;
  size_t bytes = 0;
  DataType dtype = DataType::kUndefined;
};

// Device copies of some buffers, to put them back after a run that may overwrite them (steps
// may reuse a graph input's bytes). Freed with the object.
class DeviceSnapshot {
 public:
  DeviceSnapshot() = default;
  DeviceSnapshot(const DeviceSnapshot&) = delete;
  DeviceSnapshot& operator=(const DeviceSnapshot&) = delete;
  ~DeviceSnapshot();
  Status save(const std::vector<DeviceSpan>& spans, cudaStream_t stream);
  Status restore(cudaStream_t stream) const;

 private:
  std::vector<DeviceSpan> spans_;
  std::vector<void*> copies_;
};

// Waits for `stream`, then copies every span to the host.
Result<std::vector<std::vector<char>>> download_spans(const std::vector<DeviceSpan>& spans,
                                                      cudaStream_t stream);

// "" when `replayed` reproduces `eager` (floating-point outputs within 1 % of each output's
// largest magnitude: reductions may be ordered differently; other types byte for byte), else
// which output differs and by how much.
std::string compare_runs(const std::vector<DeviceSpan>& spans,
                         const std::vector<std::vector<char>>& eager,
                         const std::vector<std::vector<char>>& replayed);

}  // namespace actrt::cuda
