// TensorRT's text calibration cache, read and written.
//
//   TRT-8600-EntropyCalibration2
//   image: 3c010a14
//   /backbone/conv1/Conv_output_0: 3d8f5c29
//   some_tensor: 0
//
// Line 1: `TRT-<digits>-<algorithm>`, algorithm EntropyCalibration2 or MinMaxCalibration (what
// TensorRT writes) or PercentileCalibration (ours: TensorRT has no percentile calibrator; we
// write `TRT-8600-PercentileCalibration`). Any version digits are accepted on read; we write 8600
// (the TensorRT 8.6 format, the last one before implicit INT8 was deprecated).
// Then one line per tensor: `<name>: <hex>`, split at the LAST colon (names may contain colons);
// hex is the IEEE-754 float32 bit pattern of the scale (= amax / 127) printed as a hexadecimal
// integer, most significant digit first, without leading zeros (TensorRT prints the value 0 as
// `0`; normal scales always have 8 digits). Reading accepts 1 to 8 hex digits and surrounding
// blanks; empty lines are skipped (a trailing newline is normal). Entries keep file order so that
// read -> write reproduces our own files byte for byte.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actrt/calibrator.h"
#include "actrt/status.h"

namespace actrt::quant {

struct CalibrationCache {
  CalibrationAlgorithm algorithm = CalibrationAlgorithm::kEntropy;
  std::string header;  // the first line as read (or as it will be written)
  std::vector<std::pair<std::string, float>> entries;  // tensor name -> scale, file order

  std::map<std::string, float> scale_map() const;
};

// "EntropyCalibration2", "MinMaxCalibration", "PercentileCalibration".
std::string_view cache_algorithm_name(CalibrationAlgorithm a);
// "TRT-8600-<name>".
std::string cache_header(CalibrationAlgorithm a);

// Parses cache text; `source` names the file in messages ("act.cache: line 3: ...").
Result<CalibrationCache> parse_calibration_cache(std::string_view text, const std::string& source);
Result<CalibrationCache> read_calibration_cache(const std::string& path);

// The text for entries in their order, with cache_header(algorithm) as the first line.
std::string format_calibration_cache(CalibrationAlgorithm algorithm,
                                     const std::vector<std::pair<std::string, float>>& entries);
// Writes the file; refuses to replace an existing file unless `overwrite`.
Status write_calibration_cache(const std::string& path, CalibrationAlgorithm algorithm,
                               const std::vector<std::pair<std::string, float>>& entries,
                               bool overwrite = false);

// The hex text of a scale ("3c010a14", "0") and back.
std::string scale_to_hex(float scale);

}  // namespace actrt::quant
