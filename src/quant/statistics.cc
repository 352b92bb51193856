#include "quant/statistics.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <optional>

#include "actrt/log.h"
#include "backends/reference/executor.h"
#include "quant/calibrators.h"
#include "quant/feed_prefetch.h"
#include "quant/observers.h"
#include "quant/progress.h"

namespace actrt::quant {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", v);
  return buf;
}

std::string pass_label(int pass, bool histograms) {
  return fmt::format("Calibration pass {}/{}", pass, histograms ? 2 : 1);
}

// One pass over the samples with the reference executor; `observe` sees every activation of
// every sample.
template <typename Observe>
Status run_host_pass(const ir::Graph& graph, const DataLoader& data, size_t samples,
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

// A device's anomaly worded as the host observers word theirs.
Status anomaly_status(const runtime::StatsAnomaly& a, const std::vector<const ir::Value*>& tensors,
                      const std::vector<float>& max_abs, const std::string& where) {
  if (a.tensor >= tensors.size())
    return internal_error(fmt::format("{}: the device reported an anomaly in tensor #{} of {}",
                                      where, a.tensor, tensors.size()));
  const std::string& name = tensors[a.tensor]->name();
  switch (a.kind) {
    case runtime::StatsAnomaly::Kind::kNaN:
      return non_finite_activation(where, name, true, a.element);
    case runtime::StatsAnomaly::Kind::kInf:
      return non_finite_activation(where, name, false, a.element);
    case runtime::StatsAnomaly::Kind::kAboveMax:
      return above_first_pass_max(where, name, a.value,
                                  a.tensor < max_abs.size() ? double(max_abs[a.tensor]) : 0.0);
  }
  return internal_error(where + ": unknown anomaly from the device");
}

// One pass over the samples on the device: pass 1 (maxima) or pass 2 (histograms). The feeds
// are loaded and checked one sample ahead on a worker thread (feed_prefetch.h).
Status run_device_pass(runtime::ActivationStatsRunner& runner, const ir::Graph& graph,
                       const std::vector<const ir::Value*>& tensors, const DataLoader& data,
                       const PassOptions& options, int pass, const std::vector<float>& max_abs) {
  const auto start = std::chrono::steady_clock::now();
  const std::string label = pass_label(pass, options.histograms);
  ProgressBar bar(label, options.samples, options.show_progress);
  FeedPrefetcher feeds(graph, data, options.samples);
  double device_s = 0;
  for (size_t i = 0; i < options.samples; ++i) {
    ASSIGN_OR_RETURN(TensorMap feed, feeds.next());
    const std::string where = sample_where(i);
    const auto t0 = std::chrono::steady_clock::now();
    auto anomaly = pass == 1 ? runner.accumulate_max(feed) : runner.accumulate_histograms(feed);
    device_s += seconds_since(t0);
    if (!anomaly.ok()) return anomaly.status().with_context(where);
    if (anomaly->has_value()) return anomaly_status(**anomaly, tensors, max_abs, where);
    bar.update(i + 1);
  }
  bar.finish();
  log_verbose(
      fmt::format("{}: {} samples in {} s: on the device {} s, loading and checking the data {} s "
                  "(on a worker thread, overlapped with the device), waiting for the data {} s",
                  label, options.samples, fixed(seconds_since(start)), fixed(device_s),
                  fixed(feeds.load_seconds()), fixed(feeds.wait_seconds())));
  return ok_status();
}

}  // namespace

std::string sample_where(size_t i) { return fmt::format("calibration sample {}", i); }

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

Result<ActivationStats> collect_on_host(const ir::Graph& graph,
                                        std::vector<const ir::Value*> tensors,
                                        const DataLoader& data, const PassOptions& options) {
  ActivationObserver obs(std::move(tensors));
  RETURN_IF_ERROR(run_host_pass(graph, data, options.samples, pass_label(1, options.histograms),
                                options.show_progress,
                                [&](const ir::Value* v, const Tensor& t, const std::string& where) {
                                  return obs.observe_max(v, t, where);
                                }));
  if (options.histograms) {
    obs.start_histograms();
    RETURN_IF_ERROR(
        run_host_pass(graph, data, options.samples, pass_label(2, true), options.show_progress,
                      [&](const ir::Value* v, const Tensor& t, const std::string& where) {
                        return obs.observe_histogram(v, t, where);
                      }));
  }
  ActivationStats stats;
  stats.tensors = obs.tensors();
  for (size_t k = 0; k < stats.tensors.size(); ++k) {
    stats.max_abs.push_back(static_cast<float>(obs.max_abs(k)));
    if (options.histograms) {
      const auto h = obs.histogram(k);
      stats.histograms.emplace_back(h.begin(), h.end());
    }
  }
  return stats;
}

Result<ActivationStats> collect_on_device(runtime::ActivationStatsRunner& runner,
                                          const ir::Graph& graph,
                                          std::vector<const ir::Value*> tensors,
                                          const DataLoader& data, const PassOptions& options) {
  ActivationStats stats;
  stats.tensors = std::move(tensors);
  const size_t n = stats.tensors.size();
  RETURN_IF_ERROR(run_device_pass(runner, graph, stats.tensors, data, options, 1, {}));
  ASSIGN_OR_RETURN(stats.max_abs, runner.max_abs());
  if (stats.max_abs.size() != n)
    return internal_error(fmt::format("device calibration returned {} maxima for {} tensors",
                                      stats.max_abs.size(), n));
  if (!options.histograms) return stats;
  RETURN_IF_ERROR(runner.start_histograms(stats.max_abs, kHistogramBins));
  RETURN_IF_ERROR(run_device_pass(runner, graph, stats.tensors, data, options, 2, stats.max_abs));
  ASSIGN_OR_RETURN(stats.histograms, runner.histograms());
  bool shaped = stats.histograms.size() == n;
  for (size_t k = 0; shaped && k < n; ++k) shaped = stats.histograms[k].size() == kHistogramBins;
  if (!shaped)
    return internal_error(fmt::format(
        "device calibration returned histograms of the wrong size ({} for {} tensors of {} bins)",
        stats.histograms.size(), n, kHistogramBins));
  return stats;
}

}  // namespace actrt::quant
