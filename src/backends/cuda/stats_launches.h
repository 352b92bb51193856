// The statistics kernels (stats_kernels.h) of one calibration sample over a fixed set of device
// tensors, for the CUDA calibration runner (calibration_stats.h).
//
// The tensors never move (they lie in one context's arena), so the launches of a pass are the
// same for every sample: StatsLaunchGraph enqueues them one by one on the first sample and
// replays a CUDA graph captured at the second. In the graph every kernel is its own node on one
// of kBranches parallel branches (each kernel writes only its tensor's slots, so none depends
// on another): the many small tensors of a model, a few thousand elements each, then run side by
// side instead of one after another on a mostly idle GPU. The counts are integers and the maxima
// and anomaly keys order-independent, so the results are the same either way.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "actrt/status.h"

namespace actrt::cuda {

// One tensor to observe: where it lies and which slot (index into the slot arrays) it feeds.
struct StatsTensor {
  std::string name;
  size_t slot = 0;
  const void* data = nullptr;
  bool half = false;  // __half storage, else float
  int64_t numel = 0;
};

// The per-tensor slots on the device (stats_kernels.h), indexed by StatsTensor::slot.
struct StatsSlots {
  unsigned int* max_bits = nullptr;          // pass 1: max |x| as float bits
  unsigned long long* anomaly = nullptr;     // first anomaly key
  unsigned int* excess_bits = nullptr;       // pass 2: largest |x| above the max
  const float* hist_max = nullptr;           // pass 2: the pass-1 maxima
  unsigned long long* histograms = nullptr;  // pass 2: `bins` counts per slot
  int bins = 0;
  int max_blocks = 1;  // grid cap of one kernel
};

enum class StatsPass { kMax, kHistogram };

// Enqueues the kernel of `pass` for every tensor, in order, on `stream`.
Status launch_stats(const std::vector<StatsTensor>& tensors, StatsPass pass,
                    const StatsSlots& slots, cudaStream_t stream);

class StatsLaunchGraph {
 public:
  static constexpr int kBranches = 8;

  StatsLaunchGraph(std::vector<StatsTensor> tensors, StatsPass pass, StatsSlots slots)
      : tensors_(std::move(tensors)), pass_(pass), slots_(slots) {}
  StatsLaunchGraph(const StatsLaunchGraph&) = delete;
  StatsLaunchGraph& operator=(const StatsLaunchGraph&) = delete;
  ~StatsLaunchGraph();

  // Enqueues every tensor's kernel on `stream`: one by one at the first call, from the graph
  // after (captured at the second call; if the capture fails, one by one, logged once).
  Status enqueue(cudaStream_t stream);
  // Whether later calls replay a graph.
  bool captured() const { return exec_ != nullptr; }

 private:
  Status capture(cudaStream_t stream);

  std::vector<StatsTensor> tensors_;
  StatsPass pass_;
  StatsSlots slots_;
  int calls_ = 0;
  bool capture_failed_ = false;
  cudaGraphExec_t exec_ = nullptr;
  // The fork / join of the branches while capturing (created at the capture).
  std::vector<cudaStream_t> branches_;
  std::vector<cudaEvent_t> events_;  // [0]: fork, [1 + b]: join of branch b
};

}  // namespace actrt::cuda
