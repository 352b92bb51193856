// Kernels of INT8 calibration statistics on the GPU (calibration_stats.h), defined in
// stats_kernels.cu: max |x| and the histogram of |x| of one tensor, accumulated into per-tensor
// slots in device memory across samples.
//
// Element types: `half` selects __half storage, else float (the calibration graph is FP32).
// Launchers enqueue on `stream`, return cudaGetLastError() and never synchronize; n == 0 launches
// nothing. `max_blocks` caps the grid (the runner allows a few blocks per SM: each thread keeps
// several loads in flight, and every histogram block costs one flush of its bins). Any pointer
// alignment and any n work. The results do not depend on the grid or on the order in which
// elements are read.
//
// Anomalies: one 64-bit slot per tensor, kept at the minimum of (element << 2) | kind over the
// anomalies seen, so that it names the first bad element (kNoAnomaly: none). Initialize slots to
// kNoAnomaly (all bytes 0xFF).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace actrt::cuda {

inline constexpr unsigned long long kNoAnomaly = ~0ull;
inline constexpr unsigned kAnomalyNaN = 0;
inline constexpr unsigned kAnomalyInf = 1;
inline constexpr unsigned kAnomalyAboveMax = 2;
// Shared-memory sub-histograms hold this many bins at most (32-bit counts: 8 KiB for 2048).
inline constexpr int kMaxStatsBins = 8192;

// *max_bits = max(*max_bits, max |x| over the finite elements), as the bits of a non-negative
// float (for those, the unsigned order of the bits is the float order; 0 is 0.0f). NaN and Inf
// elements go to *anomaly instead.
cudaError_t launch_abs_max(const void* x, bool half, int64_t n, unsigned int* max_bits,
                           unsigned long long* anomaly, int max_blocks, cudaStream_t stream);

// hist[b] += the number of elements in bin b, with quant/observers.h's binning in double
// precision: m = double(*max); if m > 0, bin = min(bins - 1, int64(|double(x)| * (bins / m)))
// and |x| > m is an anomaly (kAnomalyAboveMax, *excess_bits = max(*excess_bits, bits of |x|))
// counted nowhere; if not, every finite element goes to bin 0. NaN / Inf: anomalies, counted
// nowhere. 1 <= bins <= kMaxStatsBins.
cudaError_t launch_abs_histogram(const void* x, bool half, int64_t n, const float* max, int bins,
                                 unsigned long long* hist, unsigned long long* anomaly,
                                 unsigned int* excess_bits, int max_blocks, cudaStream_t stream);

}  // namespace actrt::cuda
