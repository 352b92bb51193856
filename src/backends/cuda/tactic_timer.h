// Timing tactics at build time (conv.h, conv_graph.h, matmul.h): scratch buffers and one timed
// measurement, so that every tactic family is timed the same way.
#pragma once

#include <cuda_runtime.h>

#include <functional>
#include <string>
#include <vector>

#include "actrt/status.h"

namespace actrt::cuda {

// Device buffers for timing, filled with a non-zero byte pattern (all-zero data can run faster
// than real data), all freed with the object.
class TuningScratch {
 public:
  explicit TuningScratch(std::string where) : where_(std::move(where)) {}
  TuningScratch(const TuningScratch&) = delete;
  TuningScratch& operator=(const TuningScratch&) = delete;
  ~TuningScratch();
  Result<void*> alloc(size_t bytes);

 private:
  std::string where_;
  std::vector<void*> buffers_;
};

// Runs `run` once (a warm-up whose error means the tactic is refused), waits for it, then times
// kTimedRuns runs between two events on `stream`. Returns milliseconds per run.
inline constexpr int kTimedRuns = 5;
Result<double> time_tactic(cudaStream_t stream, const std::function<Status()>& run,
                           const std::string& where);

}  // namespace actrt::cuda
