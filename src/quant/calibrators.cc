#include "quant/calibrators.h"

#include <cmath>
#include <limits>
#include <vector>

namespace actrt::quant {

double entropy_divergence(std::span<const uint64_t> hist, int cutoff) {
  const size_t n = hist.size();
  const size_t i = static_cast<size_t>(cutoff);
  if (i == 0 || i > n) return std::numeric_limits<double>::infinity();
  // P: the first i bins, outliers folded into the last kept bin.
  std::vector<double> p(hist.begin(), hist.begin() + static_cast<std::ptrdiff_t>(i));
  double outliers = 0;
  for (size_t k = i; k < n; ++k) outliers += static_cast<double>(hist[k]);
  p[i - 1] += outliers;

  // Q: merge the unclipped bins into kQuantizedLevels levels, expand over P's non-empty bins.
  const size_t levels = static_cast<size_t>(kQuantizedLevels);
  const size_t merged = i / levels;  // >= 1 since i >= 128
  std::vector<double> q(i, 0.0);
  for (size_t j = 0; j < levels; ++j) {
    const size_t start = j * merged;
    const size_t stop = (j == levels - 1) ? i : start + merged;
    double count = 0;
    size_t nonzero = 0;
    for (size_t k = start; k < stop; ++k) {
      count += static_cast<double>(hist[k]);
      nonzero += p[k] != 0;
    }
    if (nonzero == 0) continue;
    const double share = count / static_cast<double>(nonzero);
    for (size_t k = start; k < stop; ++k)
      if (p[k] != 0) q[k] = share;
  }

  double p_sum = 0, q_sum = 0;
  for (size_t k = 0; k < i; ++k) {
    p_sum += p[k];
    q_sum += q[k];
  }
  if (p_sum == 0 || q_sum == 0) return std::numeric_limits<double>::infinity();
  double kl = 0;
  for (size_t k = 0; k < i; ++k) {
    if (p[k] == 0) continue;
    if (q[k] == 0) return std::numeric_limits<double>::infinity();
    const double pk = p[k] / p_sum, qk = q[k] / q_sum;
    kl += pk * std::log(pk / qk);
  }
  return kl;
}

double entropy_amax(std::span<const uint64_t> raw, double max_abs) {
  if (!(max_abs > 0) || raw.empty()) return 0;
  uint64_t total = 0;
  for (uint64_t c : raw) total += c;
  if (total == 0) return 0;
  // Bin 0 counts as much as bin 1, as in NVIDIA's reference implementation of this search
  // (pytorch-quantization calib/histogram.py: `bins[0] = bins[1]`). Bin 0 holds every exact
  // zero, half of all values after a ReLU; with that spike, KL(P || Q) is smallest for the
  // narrowest ranges and the search clipped every ReLU output of act-tiny's ResNet at 1/8 of
  // its max, which tripled the policy's L1 (docs/quantization.md).
  std::vector<uint64_t> hist(raw.begin(), raw.end());
  if (hist.size() > 1) hist[0] = hist[1];
  const int n = static_cast<int>(hist.size());
  double best = std::numeric_limits<double>::infinity();
  int best_i = -1;
  for (int i = kEntropyFirstCandidate; i < n; ++i) {
    const double kl = entropy_divergence(hist, i);
    if (kl < best) {  // strict: the first minimum wins
      best = kl;
      best_i = i;
    }
  }
  if (best_i < 0) return max_abs;
  return static_cast<double>(best_i) * max_abs / static_cast<double>(n);
}

double percentile_amax(std::span<const uint64_t> hist, double max_abs, double percentile) {
  if (!(max_abs > 0) || hist.empty()) return 0;
  uint64_t total = 0;
  for (uint64_t c : hist) total += c;
  if (total == 0) return 0;
  const double target = percentile / 100.0 * static_cast<double>(total);
  const size_t n = hist.size();
  uint64_t cumulative = 0;
  for (size_t b = 0; b < n; ++b) {
    cumulative += hist[b];
    if (static_cast<double>(cumulative) >= target)
      return std::min(max_abs, static_cast<double>(b + 1) * max_abs / static_cast<double>(n));
  }
  return max_abs;
}

}  // namespace actrt::quant
