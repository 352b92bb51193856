// Activation statistics computed by a backend on its own device, for INT8 calibration
// (quant/calibrate.cc). A backend that offers them returns a runner from
// Backend::make_activation_stats_runner(); the CUDA backend does
// (backends/cuda/calibration_stats.h).
//
// The statistics are those of quant/observers.h, with the same semantics, so that a build gets
// the same scales whether it calibrated on the host or on the device (up to the device's own
// FP32 rounding of the activations):
//   pass 1: max |x| per tensor over all samples (a float; 0 when every element is 0);
//   pass 2: per tensor, `bins` counts of |x| over [0, max] with, in double precision,
//           per_unit = bins / double(max), bin = min(bins - 1, int64(|x| * per_unit)); a tensor
//           whose max is 0 puts every element into bin 0.
// Both are order-independent (a max, and integer counts). Tensors are named by the caller and
// identified by their index in the request; their layout on the device does not matter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actrt/status.h"
#include "actrt/tensor.h"

namespace actrt::runtime {

// Why a sample stops calibration, for the caller to word (quant/observers.h has the messages).
struct StatsAnomaly {
  enum class Kind {
    kNaN,
    kInf,
    kAboveMax,  // pass 2 saw |x| above the pass-1 max: the graph did not compute the same values
  };
  Kind kind = Kind::kNaN;
  size_t tensor = 0;    // index into the request's tensors: the first (in request order) affected
  int64_t element = 0;  // flat index of the first affected element of that tensor
  double value = 0;     // kAboveMax: the largest |x| above the max seen in that tensor
};

// Runs one graph over samples and accumulates the statistics of the requested tensors on the
// device. One runner is used by one thread. Every call that runs the graph takes a feed checked
// by the caller (names, dtypes, shapes, finite values) and returns an anomaly, if any, instead
// of accumulating silently; after an anomaly the accumulated statistics are unspecified.
class ActivationStatsRunner {
 public:
  virtual ~ActivationStatsRunner() = default;

  // Where the statistics are computed, for the log ("CUDA backend on NVIDIA H100 ...").
  virtual std::string description() const = 0;

  // Pass 1 on one sample: folds max |x| of every tensor into its running max.
  virtual Result<std::optional<StatsAnomaly>> accumulate_max(
      const std::map<std::string, Tensor>& feed) = 0;
  // The running maxima, one per requested tensor.
  virtual Result<std::vector<float>> max_abs() = 0;

  // Starts pass 2 with `max_abs[k]` (one per requested tensor) and `bins` bins, all zero.
  virtual Status start_histograms(const std::vector<float>& max_abs, int bins) = 0;
  // Pass 2 on one sample: adds every tensor's |x| to its histogram.
  virtual Result<std::optional<StatsAnomaly>> accumulate_histograms(
      const std::map<std::string, Tensor>& feed) = 0;
  // The histograms so far: one vector of `bins` counts per requested tensor.
  virtual Result<std::vector<std::vector<uint64_t>>> histograms() = 0;
};

}  // namespace actrt::runtime
