// Calibration algorithms on histograms: hand-checked cases and an independent, deliberately
// plain reimplementation of EntropyCalibration2's search.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "quant/calibrators.h"

using namespace actrt::quant;

namespace {

// Independent formulation: level of bin k is min(k / (i / 128), 127); Q[k] = (sum of the
// unclipped bins of k's level) / (number of bins of the level where P != 0), 0 where P == 0.
double naive_kl(const std::vector<uint64_t>& h, int i) {
  std::vector<double> p(i), q(i);
  double tail = 0;
  for (size_t k = i; k < h.size(); ++k) tail += h[k];
  for (int k = 0; k < i; ++k) p[k] = h[k];
  p[i - 1] += tail;
  const int width = i / 128;
  std::vector<double> level_sum(128, 0), level_nonzero(128, 0);
  for (int k = 0; k < i; ++k) {
    const int level = std::min(k / width, 127);
    level_sum[level] += h[k];
    level_nonzero[level] += p[k] != 0;
  }
  for (int k = 0; k < i; ++k) {
    const int level = std::min(k / width, 127);
    q[k] = p[k] != 0 ? level_sum[level] / level_nonzero[level] : 0;
  }
  double sp = 0, sq = 0;
  for (int k = 0; k < i; ++k) sp += p[k], sq += q[k];
  double kl = 0;
  for (int k = 0; k < i; ++k) {
    if (p[k] == 0) continue;
    if (q[k] == 0) return std::numeric_limits<double>::infinity();
    kl += (p[k] / sp) * std::log((p[k] / sp) / (q[k] / sq));
  }
  return kl;
}

double naive_entropy_amax(std::vector<uint64_t> h, double max_abs) {
  h[0] = h[1];  // NVIDIA's reference: the zero spike counts as its neighbour
  double best = std::numeric_limits<double>::infinity();
  int best_i = -1;
  for (int i = 128; i < 2048; ++i) {
    const double kl = naive_kl(h, i);
    if (kl < best) best = kl, best_i = i;
  }
  return best_i < 0 ? max_abs : best_i * max_abs / 2048;
}

// |x| of a Laplace-like distribution with a few far outliers, histogrammed over [0, max].
std::vector<uint64_t> laplace_histogram(double& max_abs) {
  std::mt19937 rng(7);
  std::exponential_distribution<double> ex(1.0);
  std::vector<double> v(200000);
  for (double& x : v) x = ex(rng);
  v.push_back(40.0);  // outliers
  v.push_back(35.0);
  max_abs = 0;
  for (double x : v) max_abs = std::max(max_abs, x);
  std::vector<uint64_t> h(2048, 0);
  for (double x : v) ++h[std::min<size_t>(2047, static_cast<size_t>(x * 2048 / max_abs))];
  return h;
}

}  // namespace

TEST(QuantCalibrators, EntropyOfASingleSpikeIsTheFirstCandidate) {
  // All mass in bin 10: every candidate reproduces P exactly (KL = 0); the first, i = 128, wins.
  std::vector<uint64_t> h(2048, 0);
  h[10] = 100;
  EXPECT_DOUBLE_EQ(entropy_divergence(h, 128), 0.0);
  EXPECT_DOUBLE_EQ(entropy_amax(h, 2048.0), 128.0);
}

TEST(QuantCalibrators, EntropyMatchesAnIndependentReimplementation) {
  double max_abs = 0;
  const std::vector<uint64_t> h = laplace_histogram(max_abs);
  for (int i : {128, 129, 255, 256, 300, 1000, 2047}) {
    const double got = entropy_divergence(h, i), want = naive_kl(h, i);
    if (std::isinf(want)) EXPECT_TRUE(std::isinf(got)) << "candidate " << i;
    else EXPECT_NEAR(got, want, 1e-12) << "candidate " << i;
  }
  const double got = entropy_amax(h, max_abs);
  EXPECT_DOUBLE_EQ(got, naive_entropy_amax(h, max_abs));
  // The outliers are clipped: the threshold sits well below max but above the bulk's median.
  EXPECT_LT(got, 0.6 * max_abs);
  EXPECT_GT(got, 2.0);
}

// A ReLU output: half of the values are exactly 0 (bin 0). The spike must not drag the
// threshold down: the result is the one for the same values without the extra zeros.
TEST(QuantCalibrators, EntropyIgnoresTheSpikeOfZeros) {
  double max_abs = 0;
  std::vector<uint64_t> h = laplace_histogram(max_abs);
  const double without = entropy_amax(h, max_abs);
  uint64_t total = 0;
  for (uint64_t c : h) total += c;
  h[0] += total;  // as many zeros as other values
  EXPECT_DOUBLE_EQ(entropy_amax(h, max_abs), without);
  EXPECT_DOUBLE_EQ(entropy_amax(h, max_abs), naive_entropy_amax(h, max_abs));
}

TEST(QuantCalibrators, EntropyOfNothingIsZero) {
  std::vector<uint64_t> h(2048, 0);
  EXPECT_EQ(entropy_amax(h, 1.0), 0.0);
  h[0] = 5;
  EXPECT_EQ(entropy_amax(h, 0.0), 0.0);
}

TEST(QuantCalibrators, PercentileIsTheUpperEdgeOfTheBinReachingIt) {
  std::vector<uint64_t> h(2048, 0);
  for (int b = 0; b < 10; ++b) h[b] = 10;  // 100 values in bins 0..9, bin width 1
  EXPECT_DOUBLE_EQ(percentile_amax(h, 2048.0, 50.0), 5.0);   // cumulative 50 at bin 4
  EXPECT_DOUBLE_EQ(percentile_amax(h, 2048.0, 50.5), 6.0);
  EXPECT_DOUBLE_EQ(percentile_amax(h, 2048.0, 99.99), 10.0);
  EXPECT_DOUBLE_EQ(percentile_amax(h, 2048.0, 100.0), 10.0);
  // Capped at max when the last bin is reached.
  std::vector<uint64_t> top(2048, 0);
  top[2047] = 1;
  EXPECT_DOUBLE_EQ(percentile_amax(top, 3.0, 100.0), 3.0);
}

TEST(QuantCalibrators, MinMaxAndScale) {
  EXPECT_EQ(minmax_amax(2.5), 2.5);
  EXPECT_EQ(scale_from_amax(127.0), 1.0f);
  EXPECT_EQ(scale_from_amax(2.5), static_cast<float>(2.5 / 127.0));
}
