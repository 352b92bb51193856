// Latency statistics and a trtexec-style timing loop.
//
//   TimingOptions opt;                           // warm-up 200 ms, >= 10 iterations AND >= 3 s
//   ASSIGN_OR_RETURN(TimingRun run, run_timing_loop([&]() -> Result<double> {
//     RETURN_IF_ERROR(runner.infer(feed).status());
//     return runner.last_inference_time_ms();
//   }, opt));
//   ASSIGN_OR_RETURN(LatencyStats s, compute_latency_stats(run.samples_ms));
//   log_info(format_latency_stats(s, "Latency"));
//   if (auto w = stability_warning(s)) log_warning(*w);
//
// Percentiles use the nearest-rank definition: p-th percentile of n sorted samples x[0..n) is
// x[ceil(p/100 * n) - 1] (x[0] for p = 0). It never interpolates, so every reported percentile is
// a latency that was actually measured; for n < 100, p99 is the maximum. The median is numpy's
// (mean of the two middle samples for an even count), as trtexec reports it.
// Standard deviation is the population one (divide by n); the coefficient of variation is
// std_dev / mean; trtexec warns when it exceeds 2.5 % (kUnstableCoefficientOfVariation).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "actrt/status.h"

namespace actrt::compare {

inline constexpr double kUnstableCoefficientOfVariation = 0.025;

struct LatencyStats {
  int64_t count = 0;
  double min = 0, max = 0, mean = 0, median = 0;
  double p90 = 0, p95 = 0, p99 = 0;
  double std_dev = 0;
  double coefficient_of_variation = 0;  // std_dev / mean (0 when mean is 0)
  double total = 0;                     // sum of the samples
  bool unstable() const { return coefficient_of_variation > kUnstableCoefficientOfVariation; }
};

// Nearest-rank percentile of already-sorted samples; p in [0, 100]. Empty input gives 0.
double percentile_nearest_rank(std::span<const double> sorted, double p);

// Statistics of samples in any unit (actrt uses milliseconds). Empty input, negative or
// non-finite samples are kInvalidArgument (a timing bug, not something to average over).
Result<LatencyStats> compute_latency_stats(std::span<const double> samples);

// trtexec-like one-liner: "<label>: min = 1.2 ms, max = ..., mean = ..., median = ...,
// percentile(90%) = ..., percentile(95%) = ..., percentile(99%) = ..." (values in ms).
std::string format_latency_stats(const LatencyStats& s, std::string_view label);

// The trtexec warning text when the coefficient of variation exceeds 2.5 %; nullopt otherwise.
std::optional<std::string> stability_warning(const LatencyStats& s);

// Reports that put latencies of several rows side by side (compare, rollout) warn, in the
// report itself, when a row's coefficient of variation exceeds this: its median is then not a
// property of the engine but of what else ran (a busy core on a shared computer made a 21 ms
// engine take 440 ms). Higher than bench's 2.5 %: such rows time fewer runs, interleaved with
// other work, and a warning on every row would be read as noise.
inline constexpr double kReportUnstableCoefficientOfVariation = 0.10;

// The warning a report carries for row `row` ("cpu-int8: latency varies: coefficient of variation
// 78 % over 231 runs ..."); nullopt when the row's latencies are stable enough.
std::optional<std::string> report_latency_warning(std::string_view row, const LatencyStats& s);

struct TimingOptions {
  double warmup_ms = 200;       // run (untimed) until this much wall time has passed; 0: none
  int64_t min_iterations = 10;  // then at least this many timed iterations ...
  double min_seconds = 3.0;     // ... AND at least this much wall time
  int64_t max_iterations = 0;   // a hard cap on timed iterations (0: none)
  // Wall clock in milliseconds; empty uses std::chrono::steady_clock. Tests inject a fake one.
  std::function<double()> clock_ms;
};

struct TimingRun {
  std::vector<double> samples_ms;  // what infer_once returned for each timed iteration
  int64_t warmup_iterations = 0;
  double wall_seconds = 0;         // wall time of the timed phase
  double throughput_qps = 0;       // samples / wall_seconds
};

// Calls `infer_once` (runs one inference, returns its latency in ms) as trtexec does. The first
// error from infer_once stops the loop and is returned with the iteration number as context.
Result<TimingRun> run_timing_loop(const std::function<Result<double>()>& infer_once,
                                  const TimingOptions& options = {});

}  // namespace actrt::compare
