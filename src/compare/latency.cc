#include "compare/latency.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace actrt::compare {

double percentile_nearest_rank(std::span<const double> sorted, double p) {
  if (sorted.empty()) return 0;
  const double n = static_cast<double>(sorted.size());
  double rank = std::ceil(std::clamp(p, 0.0, 100.0) / 100.0 * n);
  // ceil(0.9 * 10) can come out as 10.000000000000002 -> 11 in floating point; snap near-integers.
  const double exact = std::clamp(p, 0.0, 100.0) / 100.0 * n;
  if (std::fabs(exact - std::round(exact)) < 1e-9) rank = std::round(exact);
  const size_t index = rank <= 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

Result<LatencyStats> compute_latency_stats(std::span<const double> samples) {
  if (samples.empty()) return invalid_argument("latency statistics: no samples");
  for (size_t i = 0; i < samples.size(); ++i)
    if (!std::isfinite(samples[i]) || samples[i] < 0)
      return invalid_argument(fmt::format(
          "latency statistics: sample {} is not a finite non-negative time ({:f})", i, samples[i]));
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end());
  LatencyStats s;
  s.count = static_cast<int64_t>(sorted.size());
  s.min = sorted.front();
  s.max = sorted.back();
  for (double x : sorted) s.total += x;
  s.mean = s.total / static_cast<double>(sorted.size());
  const size_t mid = sorted.size() / 2;
  s.median = sorted.size() % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  s.p90 = percentile_nearest_rank(sorted, 90);
  s.p95 = percentile_nearest_rank(sorted, 95);
  s.p99 = percentile_nearest_rank(sorted, 99);
  double var = 0;
  for (double x : sorted) var += (x - s.mean) * (x - s.mean);
  s.std_dev = std::sqrt(var / static_cast<double>(sorted.size()));
  s.coefficient_of_variation = s.mean > 0 ? s.std_dev / s.mean : 0;
  return s;
}

namespace {
std::string ms(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.5g ms", v);
  return buf;
}
}  // namespace

std::string format_latency_stats(const LatencyStats& s, std::string_view label) {
  return std::string(label) + ": min = " + ms(s.min) + ", max = " + ms(s.max) +
         ", mean = " + ms(s.mean) + ", median = " + ms(s.median) +
         ", percentile(90%) = " + ms(s.p90) + ", percentile(95%) = " + ms(s.p95) +
         ", percentile(99%) = " + ms(s.p99) + " (" + std::to_string(s.count) + " samples)";
}

std::optional<std::string> stability_warning(const LatencyStats& s) {
  if (!s.unstable()) return std::nullopt;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "The coefficient of variation of the latency is %.2f%%, above %.1f%%: the timings "
                "are unstable (other load on the machine, frequency scaling, or too few "
                "iterations); treat them with care.",
                100.0 * s.coefficient_of_variation, 100.0 * kUnstableCoefficientOfVariation);
  return std::string(buf);
}

std::optional<std::string> report_latency_warning(std::string_view row, const LatencyStats& s) {
  if (!(s.coefficient_of_variation > kReportUnstableCoefficientOfVariation)) return std::nullopt;
  char buf[320];
  std::snprintf(buf, sizeof buf,
                ": latency varies: coefficient of variation %.0f %% over %lld runs (median %s, "
                "max %s), above %.0f %%; other work on the machine (or CPU threads that outnumber "
                "its free cores) is timed too, so compare medians with care",
                100.0 * s.coefficient_of_variation, static_cast<long long>(s.count),
                ms(s.median).c_str(), ms(s.max).c_str(),
                100.0 * kReportUnstableCoefficientOfVariation);
  return std::string(row) + buf;
}

Result<TimingRun> run_timing_loop(const std::function<Result<double>()>& infer_once,
                                  const TimingOptions& options) {
  if (options.min_iterations < 0 || options.min_seconds < 0 || options.warmup_ms < 0 ||
      options.max_iterations < 0)
    return invalid_argument("timing loop: warm-up, iterations and duration must be >= 0");
  const auto start = std::chrono::steady_clock::now();
  auto now_ms = [&]() -> double {
    if (options.clock_ms) return options.clock_ms();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  };
  TimingRun run;
  const double warm_start = now_ms();
  while (options.warmup_ms > 0 && now_ms() - warm_start < options.warmup_ms) {
    Result<double> t = infer_once();
    if (!t.ok())
      return t.status().with_context(fmt::format("warm-up iteration {}", run.warmup_iterations));
    ++run.warmup_iterations;
  }
  const double timed_start = now_ms();
  while (true) {
    const int64_t done = static_cast<int64_t>(run.samples_ms.size());
    if (options.max_iterations > 0 && done >= options.max_iterations) break;
    const double elapsed_s = (now_ms() - timed_start) / 1000.0;
    if (done >= options.min_iterations && elapsed_s >= options.min_seconds) break;
    Result<double> t = infer_once();
    if (!t.ok()) return t.status().with_context(fmt::format("timed iteration {}", done));
    run.samples_ms.push_back(*t);
  }
  run.wall_seconds = (now_ms() - timed_start) / 1000.0;
  run.throughput_qps =
      run.wall_seconds > 0 ? static_cast<double>(run.samples_ms.size()) / run.wall_seconds : 0;
  return run;
}

}  // namespace actrt::compare
