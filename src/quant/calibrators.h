// Calibration algorithms: statistics of one activation tensor -> amax (scale = amax / 127).
//
// Inputs are what the observers (observers.h) collect: the global max |x| and, for entropy and
// percentile, a histogram of |x| with kHistogramBins equal bins over [0, max] (bin b holds
// b*w <= |x| < (b+1)*w with w = max / kHistogramBins; |x| == max goes to the last bin).
#pragma once

#include <cstdint>
#include <span>

#include "actrt/status.h"

namespace actrt::quant {

inline constexpr int kHistogramBins = 2048;
inline constexpr int kQuantizedLevels = 128;  // |x| levels of a symmetric int8: 0..127
inline constexpr int kEntropyFirstCandidate = 128;
inline constexpr float kInt8Max = 127.0f;

// TensorRT EntropyCalibration2 (NVIDIA's published KL threshold search):
//   hist[0] (the exact zeros) is first set to hist[1], as NVIDIA's reference implementation
//   does, so that the zeros of a ReLU output do not decide the range;
//   for every candidate cut-off i in [128, 2048):
//     P = hist[0..i), with the mass of hist[i..2048) added to P[i-1] (outliers are clipped);
//     Q = hist[0..i) (without the outliers) merged into 128 levels of i/128 bins (integer
//         division; the remainder bins join the last level), then each level's count is spread
//         evenly over the bins of that level where P is non-zero (Q = 0 where P = 0);
//     KL(P || Q) of the normalized distributions (+inf when Q = 0 where P > 0);
//   amax = the upper edge of the chosen range, i * max / 2048, for the first i of minimum KL.
// A histogram with no mass, or max == 0, gives 0; if every candidate has infinite KL the
// result is max (nothing better is known).
double entropy_amax(std::span<const uint64_t> histogram, double max_abs);

// The KL divergence of one candidate (exposed for tests): +inf when undefined.
double entropy_divergence(std::span<const uint64_t> histogram, int cutoff);

// amax = upper edge of the first bin where the cumulative count reaches percentile/100 of the
// total (0 < percentile <= 100), capped at max_abs. No mass gives 0.
double percentile_amax(std::span<const uint64_t> histogram, double max_abs, double percentile);

// MinMaxCalibration: amax = max |x|.
inline double minmax_amax(double max_abs) { return max_abs; }

// scale = amax / 127, as float.
inline float scale_from_amax(double amax) { return static_cast<float>(amax / kInt8Max); }

}  // namespace actrt::quant
