// The two calibration passes over the data (observers.h explains them), run either with the
// reference executor on the host or on a backend's device through an ActivationStatsRunner
// (engine/activation_stats.h). Both give the same statistics for the same activations and fail
// alike: a sample that does not fit the graph, NaN / Inf in a feed or an activation (naming the
// sample and the input or tensor), a second pass that exceeds the first pass's max. On the device,
// each sample's feed is loaded and checked on a worker thread while the device runs the previous
// one (feed_prefetch.h); with -v each pass logs where its time went.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actrt/data_loader.h"
#include "actrt/status.h"
#include "runtime/activation_stats.h"
#include "ir/graph.h"

namespace actrt::quant {

struct PassOptions {
  size_t samples = 0;       // items 0 .. samples-1 of the data
  bool histograms = false;  // pass 2 too (entropy, percentile)
  bool show_progress = true;
};

// What the calibrators read: for tensors[k], max_abs[k] and (pass 2) histograms[k] of
// kHistogramBins counts.
struct ActivationStats {
  std::vector<const ir::Value*> tensors;
  std::vector<float> max_abs;
  std::vector<std::vector<uint64_t>> histograms;  // empty without pass 2
};

// "calibration sample 3", the prefix of every per-sample message.
std::string sample_where(size_t i);

// Checks a feed against the graph inputs (name, dtype, shape, finite values) with a message that
// says it is calibration data and names sample i.
Status check_feed(const ir::Graph& graph, const TensorMap& feed, size_t i);

// The passes on the host with the reference executor, observing `tensors` (activation_tensors).
Result<ActivationStats> collect_on_host(const ir::Graph& graph,
                                        std::vector<const ir::Value*> tensors,
                                        const DataLoader& data, const PassOptions& options);

// The passes on a device: `runner` was made for the names of `tensors`, in that order.
Result<ActivationStats> collect_on_device(runtime::ActivationStatsRunner& runner,
                                          const ir::Graph& graph,
                                          std::vector<const ir::Value*> tensors,
                                          const DataLoader& data, const PassOptions& options);

}  // namespace actrt::quant
