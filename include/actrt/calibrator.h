// INT8 post-training calibration, with TensorRT's semantics (shared/ANCHORS.md, docs/quantization.md).
//
//   CalibratorOptions o;
//   o.algorithm = CalibrationAlgorithm::kEntropy;   // TensorRT's EntropyCalibration2
//   o.data = loader;                                 // optional when cache_path exists
//   o.cache_path = "act.cache";
//   ASSIGN_OR_RETURN(auto calibrator, make_calibrator(o));
//   BuilderConfig config; config.int8 = true; config.calibrator = calibrator;
//
// Semantics:
//   * cache_path names an existing file: its scales are used and no calibration runs (no data is
//     needed, the algorithm in the file wins over `algorithm`, with a warning if they differ).
//   * otherwise the FP32 graph (before backend fusion) runs on the reference executor over the
//     first `samples` items of `data`, observers record every floating-point activation tensor
//     (graph inputs and node outputs), and the algorithm turns the statistics into amax per
//     tensor; scale = amax / 127. If cache_path is set the scales are written there (the file did
//     not exist, so nothing the user did not name is overwritten).
//   * entropy and percentile make two passes over the data (global max, then a 2048-bin histogram
//     of |x| over [0, max]) so that the scales do not depend on the order of the samples.
//
// The graph-facing call (tensor name -> scale for an ir::Graph) is internal: src/quant/calibrate.h.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "actrt/data_loader.h"
#include "actrt/status.h"

namespace actrt {

enum class CalibrationAlgorithm {
  kEntropy,     // TensorRT EntropyCalibration2 (KL divergence threshold search)
  kMinMax,      // TensorRT MinMaxCalibration: amax = max |x|
  kPercentile,  // amax = the given percentile of |x| (not in TensorRT; ours)
};

// "entropy", "minmax", "percentile".
std::string_view calibration_algorithm_name(CalibrationAlgorithm a);
std::optional<CalibrationAlgorithm> calibration_algorithm_from_name(std::string_view name);

struct CalibratorOptions {
  CalibrationAlgorithm algorithm = CalibrationAlgorithm::kEntropy;
  // For kPercentile: in (0, 100].
  double percentile = 99.99;
  // Calibration feeds ({input name -> tensor}); may be null when cache_path exists.
  std::shared_ptr<const DataLoader> data;
  // Number of items of `data` to use, from the first (0: all of them).
  size_t samples = 0;
  // TensorRT text calibration cache: read when it exists, written after calibration otherwise
  // ("" = no cache).
  std::string cache_path;
  // Progress bar on stderr when it is a terminal ([I] lines are logged either way).
  bool show_progress = true;
};

class Calibrator {
 public:
  explicit Calibrator(CalibratorOptions options) : options_(std::move(options)) {}
  const CalibratorOptions& options() const { return options_; }
  // Whether calibration will be skipped because the cache file exists.
  bool uses_existing_cache() const;

 private:
  CalibratorOptions options_;
};

// Checks the options (percentile range; data or an existing cache; a cache path that is not a
// folder) and returns a calibrator to put in BuilderConfig::calibrator.
Result<std::shared_ptr<Calibrator>> make_calibrator(CalibratorOptions options);

}  // namespace actrt
