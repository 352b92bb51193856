#include "quant/calibrate.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "actrt/log.h"
#include "core/parallel.h"
#include "quant/cache.h"
#include "quant/calibrators.h"
#include "quant/observers.h"
#include "quant/statistics.h"
#include "runtime/backend.h"

namespace actrt {

std::string_view calibration_algorithm_name(CalibrationAlgorithm a) {
  switch (a) {
    case CalibrationAlgorithm::kEntropy: return "entropy";
    case CalibrationAlgorithm::kMinMax: return "minmax";
    case CalibrationAlgorithm::kPercentile: return "percentile";
  }
  return "entropy";
}

std::optional<CalibrationAlgorithm> calibration_algorithm_from_name(std::string_view name) {
  if (name == "entropy") return CalibrationAlgorithm::kEntropy;
  if (name == "minmax") return CalibrationAlgorithm::kMinMax;
  if (name == "percentile") return CalibrationAlgorithm::kPercentile;
  return std::nullopt;
}

bool Calibrator::uses_existing_cache() const {
  std::error_code ec;
  return !options_.cache_path.empty() && std::filesystem::is_regular_file(options_.cache_path, ec);
}

Result<std::shared_ptr<Calibrator>> make_calibrator(CalibratorOptions options) {
  if (options.algorithm == CalibrationAlgorithm::kPercentile &&
      !(options.percentile > 0 && options.percentile <= 100))
    return invalid_argument(
        fmt::format("percentile must be in (0, 100], got {:f}", options.percentile));
  std::error_code ec;
  if (!options.cache_path.empty() && std::filesystem::is_directory(options.cache_path, ec))
    return invalid_argument("calibration cache '" + options.cache_path + "' is a folder, not a file");
  auto c = std::make_shared<Calibrator>(std::move(options));
  if (!c->uses_existing_cache() && !c->options().data)
    return invalid_argument(
        c->options().cache_path.empty()
            ? "INT8 calibration needs calibration data or a calibration cache"
            : "calibration cache '" + c->options().cache_path +
                  "' does not exist and no calibration data was given to create it");
  return c;
}

namespace quant {

namespace {

// "1.23 s" since `t0`.
std::string seconds_text(std::chrono::steady_clock::time_point t0) {
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.2f s", s);
  return buf;
}

// The device runner for the statistics: nullptr when no backend is given or it offers none (the
// reference executor runs on the host), and also, after a [W] that says why, when the backend
// cannot run this graph.
std::unique_ptr<runtime::ActivationStatsRunner> device_runner(
    const ir::Graph& graph, const std::vector<const ir::Value*>& tensors,
    const runtime::Backend* backend) {
  if (!backend) return nullptr;
  std::vector<std::string> names;
  names.reserve(tensors.size());
  for (const ir::Value* v : tensors) names.push_back(v->name());
  auto runner = backend->make_activation_stats_runner(graph, names);
  if (runner.ok()) return std::move(runner).value();
  log_warning("calibration cannot run on the " + std::string(backend_name(backend->kind())) +
              " backend (" + runner.status().message() +
              "); calibrating with the reference executor on the host instead (much slower)");
  return nullptr;
}

}  // namespace

Result<ScaleList> compute_scales(const ir::Graph& graph, const DataLoader& data,
                                 const ScaleOptions& options) {
  size_t samples = data.size();
  if (options.samples > 0) {
    if (options.samples > samples)
      log_warning(
          fmt::format("asked for {} calibration samples, the data has {}; using all of them",
                      options.samples, samples));
    else
      samples = options.samples;
  }
  if (samples == 0)
    return invalid_argument("zero calibration samples: the calibration data is empty");
  const auto t0 = std::chrono::steady_clock::now();
  const bool histogram = options.algorithm != CalibrationAlgorithm::kMinMax;
  const int passes = histogram ? 2 : 1;
  std::vector<const ir::Value*> tensors = activation_tensors(graph);
  log_info(fmt::format("Calibrating {} tensors with {} on {} samples ({} pass{} over the data)",
                       tensors.size(), calibration_algorithm_name(options.algorithm), samples,
                       passes, passes > 1 ? "es" : ""));
  const PassOptions po{samples, histogram, options.show_progress};
  auto runner = device_runner(graph, tensors, options.backend);
  ActivationStats stats;
  if (runner) {
    log_info("Calibrating on the " + runner->description());
    log_verbose("Calibration setup on the device: " + seconds_text(t0));
    ASSIGN_OR_RETURN(stats, collect_on_device(*runner, graph, std::move(tensors), data, po));
    const auto t1 = std::chrono::steady_clock::now();
    runner.reset();  // frees the device memory before the build goes on
    log_verbose("Calibration device memory freed in " + seconds_text(t1));
  } else {
    ASSIGN_OR_RETURN(stats, collect_on_host(graph, std::move(tensors), data, po));
  }
  // The thresholds, one tensor per item on all cores: entropy tries 1920 thresholds per tensor
  // (about 20 ms each, 5 s for act-base's 236 tensors on one core).
  const auto t_thresholds = std::chrono::steady_clock::now();
  std::vector<double> amax(stats.tensors.size(), 0.0);
  parallel_for(stats.tensors.size(), [&](size_t k) {
    const double max_abs = stats.max_abs[k];
    switch (options.algorithm) {
      case CalibrationAlgorithm::kMinMax:
        amax[k] = minmax_amax(max_abs);
        break;
      case CalibrationAlgorithm::kEntropy:
        amax[k] = entropy_amax(stats.histograms[k], max_abs);
        break;
      case CalibrationAlgorithm::kPercentile:
        amax[k] = percentile_amax(stats.histograms[k], max_abs, options.percentile);
        break;
    }
  });
  log_verbose(fmt::format("Calibration thresholds ({}) of {} tensors: {}",
                          calibration_algorithm_name(options.algorithm), stats.tensors.size(),
                          seconds_text(t_thresholds)));
  ScaleList scales;
  scales.reserve(stats.tensors.size());
  for (size_t k = 0; k < stats.tensors.size(); ++k)
    scales.emplace_back(stats.tensors[k]->name(), scale_from_amax(amax[k]));
  log_info("Calibration finished in " + seconds_text(t0));
  return scales;
}

size_t report_cache_matches(const ir::Graph& graph, const ScaleList& entries,
                            const std::string& source) {
  // Unmatched entries are listed (the first kListed): a cache from another export or model
  // version shows itself by its names, which one "first unmatched" name did not make plain.
  constexpr size_t kListed = 20;
  size_t matched = 0;
  std::vector<std::string> unmatched;
  for (const auto& [name, scale] : entries) {
    if (graph.find_value(name)) ++matched;
    else unmatched.push_back(name);
  }
  if (!unmatched.empty()) {
    std::string listed;
    for (size_t i = 0; i < unmatched.size() && i < kListed; ++i)
      listed += (i ? ", '" : "'") + unmatched[i] + "'";
    if (unmatched.size() > kListed) listed += fmt::format(" and {} more", unmatched.size() - kListed);
    log_warning(fmt::format("calibration cache {}: {} of {} entries name tensors of the model; "
                            "the {} others are ignored: {}",
                            source, matched, entries.size(), unmatched.size(), listed));
  } else {
    log_info(fmt::format("calibration cache {}: all {} entries name tensors of the model", source,
                         matched));
  }
  return matched;
}

Result<CalibrationResult> calibrate(const ir::Graph& graph, const Calibrator& calibrator,
                                    const runtime::Backend* backend) {
  const CalibratorOptions& o = calibrator.options();
  CalibrationResult result;
  if (calibrator.uses_existing_cache()) {
    ASSIGN_OR_RETURN(CalibrationCache cache, read_calibration_cache(o.cache_path));
    log_info(fmt::format("Using calibration cache {} ({}, {} tensors); skipping calibration",
                         o.cache_path, cache.header, cache.entries.size()));
    if (cache.algorithm != o.algorithm)
      log_warning("calibration cache " + o.cache_path + " was written by " +
                  std::string(cache_algorithm_name(cache.algorithm)) + ", not " +
                  std::string(cache_algorithm_name(o.algorithm)) +
                  "; using its scales (delete the file to recalibrate)");
    report_cache_matches(graph, cache.entries, o.cache_path);
    result.algorithm = cache.algorithm;
    for (auto& e : cache.entries)
      if (graph.find_value(e.first)) result.scales.push_back(std::move(e));
    result.from_cache = true;
    return result;
  }
  if (!o.data)
    return invalid_argument("INT8 calibration needs calibration data or an existing calibration "
                            "cache");
  ScaleOptions so{o.algorithm, o.percentile, o.samples, o.show_progress, backend};
  ASSIGN_OR_RETURN(result.scales, compute_scales(graph, *o.data, so));
  result.algorithm = o.algorithm;
  if (!o.cache_path.empty()) {
    RETURN_IF_ERROR(write_calibration_cache(o.cache_path, o.algorithm, result.scales));
    log_info(
        fmt::format("Wrote calibration cache {} ({} tensors)", o.cache_path, result.scales.size()));
  }
  return result;
}

}  // namespace quant
}  // namespace actrt
