// The check a CUDA context runs once, right after capturing its forward into a CUDA graph: the
// graph, replayed on the same inputs, must reproduce the step-by-step (eager) forward.
//
// Why: a captured graph freezes whatever the libraries enqueue, and a library that keeps state
// between calls can replay differently from how it ran. Seen on the H100 with cuDNN 9.14: INT8
// engines whose convolutions use different configurations of cuDNN's runtime-compiled fusion
// engine (e.g. "e2;24=23" then "e4;24=27") gave results 20-60 % off after their first run,
// sometimes only from the second replay on (tests/ops/cuda_int8_conv_test.cc,
// CudaInt8EngineTactics; the cause is not found yet, and later eager runs were wrong too, so
// this check does not cure that case). The check compares two replays with an eager run; a
// context that finds a difference warns, names the output, and runs step by step.
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
