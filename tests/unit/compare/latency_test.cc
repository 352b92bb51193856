#include "compare/latency.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

namespace actrt::compare {
namespace {

TEST(CompareLatency, NearestRankPercentiles) {
  std::vector<double> ten(10);
  std::iota(ten.begin(), ten.end(), 1.0);
  std::vector<double> shuffled = ten;
  std::mt19937 gen(7);
  std::shuffle(shuffled.begin(), shuffled.end(), gen);
  Result<LatencyStats> s = compute_latency_stats(shuffled);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->count, 10);
  EXPECT_EQ(s->min, 1);
  EXPECT_EQ(s->max, 10);
  EXPECT_DOUBLE_EQ(s->mean, 5.5);
  EXPECT_DOUBLE_EQ(s->median, 5.5);  // mean of the two middles
  EXPECT_EQ(s->p90, 9);   // ceil(0.9 * 10) = 9th value
  EXPECT_EQ(s->p95, 10);  // ceil(9.5) = 10th
  EXPECT_EQ(s->p99, 10);
  EXPECT_DOUBLE_EQ(s->total, 55);

  std::vector<double> hundred(100);
  std::iota(hundred.begin(), hundred.end(), 1.0);
  Result<LatencyStats> h = compute_latency_stats(hundred);
  EXPECT_EQ(h->p90, 90);
  EXPECT_EQ(h->p95, 95);
  EXPECT_EQ(h->p99, 99);
  EXPECT_EQ(percentile_nearest_rank(hundred, 0), 1);
  EXPECT_EQ(percentile_nearest_rank(hundred, 100), 100);
  EXPECT_EQ(percentile_nearest_rank(hundred, 50), 50);

  Result<LatencyStats> one = compute_latency_stats(std::vector<double>{4.0});
  EXPECT_EQ(one->median, 4);
  EXPECT_EQ(one->p99, 4);
  Result<LatencyStats> odd = compute_latency_stats(std::vector<double>{3, 1, 2});
  EXPECT_EQ(odd->median, 2);
}

TEST(CompareLatency, CoefficientOfVariationAndWarning) {
  Result<LatencyStats> flat = compute_latency_stats(std::vector<double>{2, 2, 2, 2});
  EXPECT_EQ(flat->coefficient_of_variation, 0);
  EXPECT_FALSE(flat->unstable());
  EXPECT_FALSE(stability_warning(*flat).has_value());

  // Population std-dev of {1, 2} is 0.5, mean 1.5: CV 33 %.
  Result<LatencyStats> noisy = compute_latency_stats(std::vector<double>{1, 2});
  EXPECT_DOUBLE_EQ(noisy->std_dev, 0.5);
  EXPECT_NEAR(noisy->coefficient_of_variation, 1.0 / 3.0, 1e-12);
  ASSERT_TRUE(stability_warning(*noisy).has_value());
  EXPECT_NE(stability_warning(*noisy)->find("33.33%"), std::string::npos);

  // Just under and just over 2.5 %: {1 - d, 1 + d} has CV = d.
  EXPECT_FALSE(compute_latency_stats(std::vector<double>{0.976, 1.024})->unstable());
  EXPECT_TRUE(compute_latency_stats(std::vector<double>{0.974, 1.026})->unstable());
}

// Reports (compare, rollout) warn at 10 %, naming the row and the numbers.
TEST(CompareLatency, ReportWarningNamesTheRowAboveTenPercent) {
  // {1 - d, 1 + d} has CV = d.
  EXPECT_FALSE(report_latency_warning("cpu-fp32", *compute_latency_stats(std::vector<double>{0.91, 1.09})));
  // A busy core: most runs at 21 ms, some at 440 ms.
  std::vector<double> shared(20, 21.0);
  shared[3] = shared[11] = 440.0;
  auto w = report_latency_warning("cpu-fp32", *compute_latency_stats(shared));
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->rfind("cpu-fp32: ", 0), 0u) << *w;
  EXPECT_NE(w->find("20 runs"), std::string::npos) << *w;
  EXPECT_NE(w->find("max 440 ms"), std::string::npos) << *w;
  EXPECT_NE(w->find("above 10 %"), std::string::npos) << *w;
}

TEST(CompareLatency, RejectsBadSamples) {
  EXPECT_FALSE(compute_latency_stats(std::vector<double>{}).ok());
  EXPECT_FALSE(compute_latency_stats(std::vector<double>{1, -1}).ok());
  EXPECT_FALSE(compute_latency_stats(std::vector<double>{1, std::nan("")}).ok());
}

TEST(CompareLatency, FormatNamesEveryStatistic) {
  Result<LatencyStats> s = compute_latency_stats(std::vector<double>{1, 2, 3});
  const std::string text = format_latency_stats(*s, "Latency");
  for (const char* key : {"min = 1 ms", "max = 3 ms", "mean = 2 ms", "median = 2 ms",
                          "percentile(90%)", "percentile(95%)", "percentile(99%)"})
    EXPECT_NE(text.find(key), std::string::npos) << key << " in " << text;
}

// Each inference advances a fake clock by `step_ms`.
struct FakeClock {
  double now = 0;
  double step_ms;
};

TEST(CompareLatency, TimingLoopWarmsUpThenNeedsIterationsAndTime) {
  FakeClock clock{0, 100};
  int calls = 0;
  auto infer = [&]() -> Result<double> {
    ++calls;
    clock.now += clock.step_ms;
    return clock.step_ms;
  };
  TimingOptions opt;  // 200 ms warm-up, >= 10 iterations AND >= 3 s
  opt.clock_ms = [&] { return clock.now; };
  Result<TimingRun> run = run_timing_loop(infer, opt);
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  EXPECT_EQ(run->warmup_iterations, 2);
  EXPECT_EQ(run->samples_ms.size(), 30u);  // 3 s of 100 ms inferences beats 10 iterations
  EXPECT_DOUBLE_EQ(run->wall_seconds, 3.0);
  EXPECT_DOUBLE_EQ(run->throughput_qps, 10.0);
  EXPECT_EQ(calls, 32);

  // Fast inferences: the iteration count is what binds.
  clock = {0, 1};
  opt.min_seconds = 0.005;
  run = run_timing_loop(infer, opt);
  EXPECT_EQ(run->samples_ms.size(), 10u);
  EXPECT_EQ(run->warmup_iterations, 200);

  // The cap wins over the minimum duration; no warm-up when 0.
  clock = {0, 1};
  opt.warmup_ms = 0;
  opt.min_seconds = 100;
  opt.max_iterations = 5;
  run = run_timing_loop(infer, opt);
  EXPECT_EQ(run->samples_ms.size(), 5u);
  EXPECT_EQ(run->warmup_iterations, 0);
}

TEST(CompareLatency, TimingLoopStopsAtFirstError) {
  int calls = 0;
  auto infer = [&]() -> Result<double> {
    if (++calls == 4) return invalid_argument("boom");
    return 1.0;
  };
  TimingOptions opt;
  opt.warmup_ms = 0;
  Result<TimingRun> run = run_timing_loop(infer, opt);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("timed iteration 3"), std::string::npos);
  EXPECT_NE(run.status().message().find("boom"), std::string::npos);
}

}  // namespace
}  // namespace actrt::compare
