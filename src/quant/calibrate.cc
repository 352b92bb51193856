#include "quant/calibrate.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "actrt/log.h"
#include "backends/reference/executor.h"
#include "quant/cache.h"
#include "quant/calibrators.h"
#include "quant/observers.h"
#include "quant/progress.h"

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
    return invalid_argument("percentile must be in (0, 100], got " +
                            std::to_string(options.percentile));
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

std::string sample_where(size_t i) { return "calibration sample " + std::to_string(i); }

// Checks the feed against the graph inputs with a message that says it is calibration data.
Status check_feed(const ir::Graph& graph, const TensorMap& feed, size_t i) {
  for (const ir::Value* in : graph.inputs()) {
    if (in->is_constant()) continue;
    auto it = feed.find(in->name());
    if (it == feed.end())
      return invalid_argument(sample_where(i) + " does not fit the model: it has no input '" +
                              in->name() + "' (expected " + std::string(dtype_name(in->dtype())) +
                              " " + shape_to_string(in->shape()) + ")");
    const Tensor& t = it->second;
    if (t.dtype() != in->dtype() || t.shape() != in->shape())
      return invalid_argument(sample_where(i) + " does not fit the model: input '" + in->name() +
                              "' is " + std::string(dtype_name(t.dtype())) + " " +
                              shape_to_string(t.shape()) + ", the model expects " +
                              std::string(dtype_name(in->dtype())) + " " +
                              shape_to_string(in->shape()));
    RETURN_IF_ERROR(check_finite(t, sample_where(i), "input '" + in->name() + "'"));
  }
  return ok_status();
}

// One pass over the samples; `observe` sees every activation of every sample.
template <typename Observe>
Status run_pass(const ir::Graph& graph, const DataLoader& data, size_t samples,
                const std::string& label, bool progress, Observe&& observe) {
  reference::Executor exec(graph);
  ProgressBar bar(label, samples, progress);
  for (size_t i = 0; i < samples; ++i) {
    ASSIGN_OR_RETURN(TensorMap feed, data.get(i));
    RETURN_IF_ERROR(check_feed(graph, feed, i));
    const std::string where = sample_where(i);
    for (const ir::Value* in : graph.inputs()) {
      auto it = feed.find(in->name());
      if (it != feed.end()) RETURN_IF_ERROR(observe(in, it->second, where));
    }
    Status inner;
    auto result = exec.run(feed, [&](const ir::Node& node, std::span<const Tensor> outputs) {
      if (!inner.ok()) return;
      for (size_t k = 0; k < outputs.size() && k < node.outputs().size(); ++k) {
        const ir::Value* v = node.outputs()[k];
        if (!v || outputs[k].empty()) continue;
        inner = observe(v, outputs[k], where);
        if (!inner.ok()) return;
      }
    });
    RETURN_IF_ERROR(inner);
    if (!result.ok()) return result.status().with_context(where);
    bar.update(i + 1);
  }
  bar.finish();
  return ok_status();
}

}  // namespace

Result<ScaleList> compute_scales(const ir::Graph& graph, const DataLoader& data,
                                 const ScaleOptions& options) {
  size_t samples = data.size();
  if (options.samples > 0) {
    if (options.samples > samples)
      log_warning("asked for " + std::to_string(options.samples) + " calibration samples, the data "
                  "has " + std::to_string(samples) + "; using all of them");
    else
      samples = options.samples;
  }
  if (samples == 0)
    return invalid_argument("zero calibration samples: the calibration data is empty");
  const auto t0 = std::chrono::steady_clock::now();
  const bool histogram = options.algorithm != CalibrationAlgorithm::kMinMax;
  const int passes = histogram ? 2 : 1;
  ActivationObserver obs(activation_tensors(graph));
  log_info("Calibrating " + std::to_string(obs.tensors().size()) + " tensors with " +
           std::string(calibration_algorithm_name(options.algorithm)) + " on " +
           std::to_string(samples) + " samples (" + std::to_string(passes) + " pass" +
           (passes > 1 ? "es" : "") + " over the data)");
  RETURN_IF_ERROR(run_pass(graph, data, samples, "Calibration pass 1/" + std::to_string(passes),
                           options.show_progress,
                           [&](const ir::Value* v, const Tensor& t, const std::string& where) {
                             return obs.observe_max(v, t, where);
                           }));
  if (histogram) {
    obs.start_histograms();
    RETURN_IF_ERROR(run_pass(graph, data, samples, "Calibration pass 2/2", options.show_progress,
                             [&](const ir::Value* v, const Tensor& t, const std::string& where) {
                               return obs.observe_histogram(v, t, where);
                             }));
  }
  ScaleList scales;
  scales.reserve(obs.tensors().size());
  for (size_t k = 0; k < obs.tensors().size(); ++k) {
    double amax = 0;
    switch (options.algorithm) {
      case CalibrationAlgorithm::kMinMax: amax = minmax_amax(obs.max_abs(k)); break;
      case CalibrationAlgorithm::kEntropy: amax = entropy_amax(obs.histogram(k), obs.max_abs(k)); break;
      case CalibrationAlgorithm::kPercentile:
        amax = percentile_amax(obs.histogram(k), obs.max_abs(k), options.percentile);
        break;
    }
    scales.emplace_back(obs.tensors()[k]->name(), scale_from_amax(amax));
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.2f s", s);
  log_info("Calibration finished in " + std::string(buf));
  return scales;
}

size_t report_cache_matches(const ir::Graph& graph, const ScaleList& entries,
                            const std::string& source) {
  size_t matched = 0;
  std::string first_unmatched;
  for (const auto& [name, scale] : entries) {
    if (graph.find_value(name)) ++matched;
    else if (first_unmatched.empty()) first_unmatched = name;
  }
  if (matched < entries.size())
    log_warning("calibration cache " + source + ": " + std::to_string(matched) + " of " +
                std::to_string(entries.size()) +
                " entries name tensors of the model; the others are ignored (first unmatched: '" +
                first_unmatched + "')");
  else
    log_info("calibration cache " + source + ": all " + std::to_string(matched) +
             " entries name tensors of the model");
  return matched;
}

Result<CalibrationResult> calibrate(const ir::Graph& graph, const Calibrator& calibrator) {
  const CalibratorOptions& o = calibrator.options();
  CalibrationResult result;
  if (calibrator.uses_existing_cache()) {
    ASSIGN_OR_RETURN(CalibrationCache cache, read_calibration_cache(o.cache_path));
    log_info("Using calibration cache " + o.cache_path + " (" + cache.header + ", " +
             std::to_string(cache.entries.size()) + " tensors); skipping calibration");
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
  ScaleOptions so{o.algorithm, o.percentile, o.samples, o.show_progress};
  ASSIGN_OR_RETURN(result.scales, compute_scales(graph, *o.data, so));
  result.algorithm = o.algorithm;
  if (!o.cache_path.empty()) {
    RETURN_IF_ERROR(write_calibration_cache(o.cache_path, o.algorithm, result.scales));
    log_info("Wrote calibration cache " + o.cache_path + " (" +
             std::to_string(result.scales.size()) + " tensors)");
  }
  return result;
}

}  // namespace quant
}  // namespace actrt
