#include "quant/cache.h"

#include <fmt/format.h>

#include <bit>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <unordered_map>

#include "core/file_io.h"

namespace actrt::quant {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string quote_text(std::string_view s) {
  constexpr size_t kMax = 80;
  // fmt, not operator+: GCC 12 warns (-Wrestrict, a false positive) on the concatenation.
  return fmt::format("'{}{}", s.substr(0, kMax), s.size() > kMax ? "...'" : "'");
}

}  // namespace

std::map<std::string, float> CalibrationCache::scale_map() const {
  return {entries.begin(), entries.end()};
}

std::string_view cache_algorithm_name(CalibrationAlgorithm a) {
  switch (a) {
    case CalibrationAlgorithm::kEntropy: return "EntropyCalibration2";
    case CalibrationAlgorithm::kMinMax: return "MinMaxCalibration";
    case CalibrationAlgorithm::kPercentile: return "PercentileCalibration";
  }
  return "EntropyCalibration2";
}

std::string cache_header(CalibrationAlgorithm a) {
  return "TRT-8600-" + std::string(cache_algorithm_name(a));
}

std::string scale_to_hex(float scale) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%x", std::bit_cast<uint32_t>(scale));
  return buf;
}

Result<CalibrationCache> parse_calibration_cache(std::string_view text, const std::string& source) {
  CalibrationCache cache;
  std::unordered_map<std::string, size_t> line_of;
  size_t line_no = 0, pos = 0;
  bool have_header = false;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    const std::string_view line = trim(raw);
    const std::string where = fmt::format("{}: line {}", source, line_no);
    if (!have_header) {
      // TRT-<digits>-<algorithm>
      static constexpr std::string_view kExpected =
          "expected 'TRT-<version>-EntropyCalibration2', 'TRT-<version>-MinMaxCalibration' or "
          "'TRT-<version>-PercentileCalibration'";
      if (line.substr(0, 4) != "TRT-")
        return invalid_model(where + ": not a TensorRT calibration cache header: found " +
                             quote_text(line) + ", " + std::string(kExpected));
      size_t k = 4;
      while (k < line.size() && std::isdigit(static_cast<unsigned char>(line[k]))) ++k;
      if (k == 4 || k >= line.size() || line[k] != '-')
        return invalid_model(where + ": malformed calibration cache header " + quote_text(line) + ", " +
                             std::string(kExpected));
      const std::string_view algo = line.substr(k + 1);
      if (algo == "EntropyCalibration2") cache.algorithm = CalibrationAlgorithm::kEntropy;
      else if (algo == "MinMaxCalibration") cache.algorithm = CalibrationAlgorithm::kMinMax;
      else if (algo == "PercentileCalibration") cache.algorithm = CalibrationAlgorithm::kPercentile;
      else
        return unsupported(where + ": calibration cache written by the '" + std::string(algo) +
                           "' calibrator, which actrt does not read (" + std::string(kExpected) +
                           ")");
      cache.header = std::string(line);
      have_header = true;
      continue;
    }
    if (line.empty()) continue;
    const size_t colon = line.rfind(':');
    if (colon == std::string_view::npos)
      return invalid_model(where + ": expected '<tensor name>: <hex scale>', found " + quote_text(line));
    const std::string name(trim(line.substr(0, colon)));
    const std::string_view hex = trim(line.substr(colon + 1));
    if (name.empty())
      return invalid_model(where + ": empty tensor name in " + quote_text(line));
    if (hex.empty() || hex.size() > 8)
      return invalid_model(where + ": scale of '" + name + "' must be 1 to 8 hex digits (the float32 "
                           "bit pattern), found " + quote_text(hex));
    uint32_t bits = 0;
    for (char c : hex) {
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else
        return invalid_model(where + ": scale of '" + name + "' is not hexadecimal: " + quote_text(hex));
      bits = bits << 4 | static_cast<uint32_t>(d);
    }
    const float scale = std::bit_cast<float>(bits);
    if (!std::isfinite(scale) || scale < 0)
      return invalid_model(
          fmt::format("{}: scale of '{}' is {} = {:f}; a scale must be finite and >= 0", where,
                      name, hex, scale));
    // Valid floats that no calibration produces: a denormal scale divides activations into
    // infinities (NaN outputs), and one whose int8 range (127 * scale) overflows float32 rounds
    // every activation to zero (collapsed outputs).
    if (scale != 0 && scale < std::numeric_limits<float>::min())
      return invalid_model(fmt::format("{}: scale of '{}' is {} = {:g}, a denormal number; a "
                                       "scale must be 0 or at least {:g}",
                                       where, name, hex, scale, std::numeric_limits<float>::min()));
    if (!std::isfinite(scale * 127.0f))
      return invalid_model(fmt::format("{}: scale of '{}' is {} = {:g}: 127 * scale overflows "
                                       "float32, so no activation could be represented",
                                       where, name, hex, scale));
    auto [it, inserted] = line_of.emplace(name, line_no);
    if (!inserted)
      return invalid_model(
          fmt::format("{}: tensor '{}' appears twice (first on line {})", where, name, it->second));
    cache.entries.emplace_back(name, scale);
  }
  if (!have_header) return invalid_model(source + ": empty calibration cache (no header line)");
  return cache;
}

Result<CalibrationCache> read_calibration_cache(const std::string& path) {
  auto text = read_file_text(path);
  if (!text.ok()) return text.status().with_context("calibration cache");
  return parse_calibration_cache(*text, path);
}

std::string format_calibration_cache(CalibrationAlgorithm algorithm,
                                     const std::vector<std::pair<std::string, float>>& entries) {
  std::string out = cache_header(algorithm) + "\n";
  for (const auto& [name, scale] : entries) out += name + ": " + scale_to_hex(scale) + "\n";
  return out;
}

Status write_calibration_cache(const std::string& path, CalibrationAlgorithm algorithm,
                               const std::vector<std::pair<std::string, float>>& entries,
                               bool overwrite) {
  RETURN_IF_ERROR(check_writable(path, overwrite).with_context("calibration cache"));
  for (const auto& [name, scale] : entries)
    if (name.find('\n') != std::string::npos)
      return invalid_argument("tensor name with a newline cannot be stored in a calibration cache: " +
                              quote_text(name));
  const std::string text = format_calibration_cache(algorithm, entries);
  return write_file_atomic(path, text, overwrite).with_context("calibration cache");
}

}  // namespace actrt::quant
