// Calibration statistics: max |x| and histograms of |x| (stats_kernels.h). Kernels and
// launchers only.
#include <cuda_fp16.h>

#include "backends/cuda/stats_kernels.h"

namespace actrt::cuda {

namespace {

constexpr int kThreads = 256;            // a multiple of the warp size (the histogram needs it)
constexpr int kUnroll = 4;               // loads in flight per thread (memory-level parallelism)
constexpr int64_t kMaxPerThread = 8;     // abs max: elements per thread before adding blocks
constexpr int64_t kHistPerBlock = 8192;  // histogram: elements per block before adding blocks
constexpr unsigned kFullWarp = 0xffffffffu;

__device__ __forceinline__ float load_f(const float* p, int64_t i) { return __ldg(p + i); }
__device__ __forceinline__ float load_f(const __half* p, int64_t i) { return __half2float(p[i]); }

__device__ __forceinline__ unsigned long long anomaly_key(int64_t i, float v) {
  return (static_cast<unsigned long long>(i) << 2) | (isnan(v) ? kAnomalyNaN : kAnomalyInf);
}

__device__ __forceinline__ unsigned long long min_u64(unsigned long long a, unsigned long long b) {
  return a < b ? a : b;
}

// Folds a warp's values into lane 0's and lane 0 into the slots (one atomic each per warp).
__device__ __forceinline__ void flush_warp(float m, unsigned long long bad, unsigned int* max_bits,
                                           unsigned long long* anomaly) {
  for (int o = 16; o > 0; o >>= 1) {
    m = fmaxf(m, __shfl_xor_sync(kFullWarp, m, o));
    bad = min_u64(bad, __shfl_xor_sync(kFullWarp, bad, o));
  }
  if ((threadIdx.x & 31) != 0) return;
  if (m > 0.f) atomicMax(max_bits, __float_as_uint(m));
  if (bad != kNoAnomaly) atomicMin(anomaly, bad);
}

// Both kernels walk the tensor in rounds of kUnroll * (grid size) elements: in a round, thread t
// of the grid reads elements base + t + j * (grid size), j < kUnroll, all loads issued before any
// is used. Every result is order-independent (a max, a min of anomaly keys, integer counts), so
// the walk order does not change it.
template <typename T>
__global__ void abs_max_kernel(const T* __restrict__ x, int64_t n, unsigned int* max_bits,
                               unsigned long long* anomaly) {
  float m = 0.f;
  unsigned long long bad = kNoAnomaly;
  const int64_t threads = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  for (int64_t base = 0; base < n; base += kUnroll * threads) {
    float v[kUnroll];
#pragma unroll
    for (int j = 0; j < kUnroll; ++j) {
      const int64_t i = base + t + j * threads;
      v[j] = i < n ? load_f(x, i) : 0.f;
    }
#pragma unroll
    for (int j = 0; j < kUnroll; ++j) {
      const float a = fabsf(v[j]);
      if (isfinite(a))
        m = fmaxf(m, a);
      else
        bad = min_u64(bad, anomaly_key(base + t + j * threads, v[j]));
    }
  }
  flush_warp(m, bad, max_bits, anomaly);
}

// Counts go to a shared sub-histogram of 32-bit counts (a block sees far fewer than 2^32
// elements), aggregated per warp first (__match_any_sync: ReLU outputs put most of a warp into
// bin 0), then to the tensor's 64-bit histogram with one atomic per non-empty bin per block.
template <typename T>
__global__ void abs_histogram_kernel(const T* __restrict__ x, int64_t n, const float* max, int bins,
                                     unsigned long long* hist, unsigned long long* anomaly,
                                     unsigned int* excess_bits) {
  extern __shared__ unsigned int counts[];
  for (int b = threadIdx.x; b < bins; b += blockDim.x) counts[b] = 0;
  __syncthreads();
  const double m = static_cast<double>(*max);
  const bool spread = m > 0;  // else every element is in bin 0 (as on the host)
  // The host's expressions, in the same IEEE double operations: kHistogramBins / m, then
  // |x| * per_unit truncated (no add follows the multiply, so nothing can contract to an FMA).
  const double per_unit = spread ? static_cast<double>(bins) / m : 0.0;
  unsigned long long bad = kNoAnomaly;
  float excess = 0.f;
  const int64_t threads = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  // `base` is the same for the whole grid, so every lane reaches __match_any_sync.
  for (int64_t base = 0; base < n; base += kUnroll * threads) {
    float v[kUnroll];
#pragma unroll
    for (int j = 0; j < kUnroll; ++j) {
      const int64_t i = base + t + j * threads;
      v[j] = i < n ? load_f(x, i) : 0.f;
    }
#pragma unroll
    for (int j = 0; j < kUnroll; ++j) {
      const int64_t i = base + t + j * threads;
      int bin = -1;
      if (i < n) {
        if (!isfinite(v[j])) {
          bad = min_u64(bad, anomaly_key(i, v[j]));
        } else if (!spread) {
          bin = 0;
        } else {
          const double a = fabs(static_cast<double>(v[j]));
          if (a > m) {
            bad = min_u64(bad, (static_cast<unsigned long long>(i) << 2) | kAnomalyAboveMax);
            excess = fmaxf(excess, static_cast<float>(a));
          } else {
            const long long b = static_cast<long long>(a * per_unit);
            bin = static_cast<int>(b < bins - 1 ? b : bins - 1);
          }
        }
      }
      const unsigned peers = __match_any_sync(kFullWarp, bin);
      if (bin >= 0 && static_cast<int>(threadIdx.x & 31) == __ffs(peers) - 1)
        atomicAdd(&counts[bin], static_cast<unsigned int>(__popc(peers)));
    }
  }
  __syncthreads();
  for (int b = threadIdx.x; b < bins; b += blockDim.x)
    if (counts[b]) atomicAdd(&hist[b], static_cast<unsigned long long>(counts[b]));
  for (int o = 16; o > 0; o >>= 1) {
    bad = min_u64(bad, __shfl_xor_sync(kFullWarp, bad, o));
    excess = fmaxf(excess, __shfl_xor_sync(kFullWarp, excess, o));
  }
  if ((threadIdx.x & 31) == 0 && bad != kNoAnomaly) {
    atomicMin(anomaly, bad);
    if (excess > 0.f) atomicMax(excess_bits, __float_as_uint(excess));
  }
}

int grid_for(int64_t n, int64_t per_block, int max_blocks) {
  const int64_t want = (n + per_block - 1) / per_block;
  const int64_t cap = max_blocks > 0 ? max_blocks : 1;
  return static_cast<int>(want < cap ? (want > 0 ? want : 1) : cap);
}

}  // namespace

cudaError_t launch_abs_max(const void* x, bool half, int64_t n, unsigned int* max_bits,
                           unsigned long long* anomaly, int max_blocks, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  const int grid = grid_for(n, kThreads * kMaxPerThread, max_blocks);
  if (half)
    abs_max_kernel<<<grid, kThreads, 0, stream>>>(static_cast<const __half*>(x), n, max_bits,
                                                  anomaly);
  else
    abs_max_kernel<<<grid, kThreads, 0, stream>>>(static_cast<const float*>(x), n, max_bits,
                                                  anomaly);
  return cudaGetLastError();
}

cudaError_t launch_abs_histogram(const void* x, bool half, int64_t n, const float* max, int bins,
                                 unsigned long long* hist, unsigned long long* anomaly,
                                 unsigned int* excess_bits, int max_blocks, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  if (bins < 1 || bins > kMaxStatsBins) return cudaErrorInvalidValue;
  const int grid = grid_for(n, kHistPerBlock, max_blocks);
  const size_t shared = sizeof(unsigned int) * static_cast<size_t>(bins);
  if (half)
    abs_histogram_kernel<<<grid, kThreads, shared, stream>>>(static_cast<const __half*>(x), n, max,
                                                             bins, hist, anomaly, excess_bits);
  else
    abs_histogram_kernel<<<grid, kThreads, shared, stream>>>(static_cast<const float*>(x), n, max,
                                                             bins, hist, anomaly, excess_bits);
  return cudaGetLastError();
}

}  // namespace actrt::cuda
