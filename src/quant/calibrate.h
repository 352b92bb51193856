// The graph-facing side of include/actrt/calibrator.h: tensor scales for an ir::Graph.
//
// calibrate() is what the builder and `actrt quantize` call. The graph must be the FP32 graph
// whose tensor names the engine will use (after the ONNX-level passes, before backend fusion),
// with inferred shapes.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "actrt/calibrator.h"
#include "actrt/data_loader.h"
#include "actrt/status.h"
#include "ir/graph.h"

namespace actrt::runtime {
class Backend;  // runtime/backend.h
}  // namespace actrt::runtime

namespace actrt::quant {

using ScaleList = std::vector<std::pair<std::string, float>>;  // graph (or file) order

struct CalibrationResult {
  CalibrationAlgorithm algorithm = CalibrationAlgorithm::kEntropy;
  ScaleList scales;
  bool from_cache = false;
  std::map<std::string, float> scale_map() const { return {scales.begin(), scales.end()}; }
};

// Cache semantics of the Calibrator: an existing cache is read (and matched against the graph:
// a [W] says how many of its entries name tensors of the graph); otherwise calibrate on the data
// and write the cache if a path is set.
// `backend`: as ScaleOptions::backend.
Result<CalibrationResult> calibrate(const ir::Graph& graph, const Calibrator& calibrator,
                                    const runtime::Backend* backend = nullptr);

struct ScaleOptions {
  CalibrationAlgorithm algorithm = CalibrationAlgorithm::kEntropy;
  double percentile = 99.99;
  size_t samples = 0;  // 0: all items
  bool show_progress = true;
  // Where the graph runs for the statistics: nullptr, or a backend that offers no device
  // statistics (Backend::make_activation_stats_runner), runs the reference executor on the host;
  // the CUDA backend runs them on the GPU. A backend that cannot set up for this graph logs a
  // [W] saying why and the host runs them. The build passes its own backend.
  const runtime::Backend* backend = nullptr;
};

// Runs the graph over the data (quant/statistics.h) with observers on every activation tensor
// and applies the algorithm. Errors: zero samples, feeds that do not fit the graph's inputs
// (named with the sample index), NaN / Inf in a feed or an activation.
Result<ScaleList> compute_scales(const ir::Graph& graph, const DataLoader& data,
                                 const ScaleOptions& options);

// Logs "[W] calibration cache X: N of M entries name tensors of the model" when not all match;
// returns the number that match.
size_t report_cache_matches(const ir::Graph& graph, const ScaleList& entries,
                            const std::string& source);

}  // namespace actrt::quant
