// Row kernels (LayerNorm with fused residual add, Softmax) and NHWC max pooling.
// Kernels and launchers only. Statistics are FP32 whatever the storage type.
#include <cuda_fp16.h>

#include <cfloat>

#include "backends/cuda/kernels.h"

namespace actrt::cuda {

namespace {

template <typename T> __device__ __forceinline__ float ld(const T* p, int64_t i);
template <> __device__ __forceinline__ float ld<float>(const float* p, int64_t i) { return p[i]; }
template <> __device__ __forceinline__ float ld<__half>(const __half* p, int64_t i) {
  return __half2float(p[i]);
}
__device__ __forceinline__ void st(float* p, int64_t i, float v) { p[i] = v; }
__device__ __forceinline__ void st(__half* p, int64_t i, float v) { p[i] = __float2half_rn(v); }

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Values per lane kept in registers; rows longer than 32 * kPerLane take the two-pass path
// over global memory.
constexpr int kPerLane = 32;  // up to 1024 columns in registers (ACT: 512)
constexpr int kWarpsPerBlock = 4;

// One warp per row. Two passes over registers: mean, then the centered variance (more accurate
// than E[x^2] - E[x]^2, and the reference computes it that way).
template <typename T>
__global__ void layer_norm_kernel(const T* __restrict__ x, const T* __restrict__ r,
                                  const float* __restrict__ gamma,
                                  const float* __restrict__ beta, T* __restrict__ y,
                                  int64_t rows, int cols, float eps) {
  const int lane = threadIdx.x & 31;
  const int64_t row = blockIdx.x * int64_t(kWarpsPerBlock) + (threadIdx.x >> 5);
  if (row >= rows) return;
  const T* xr = x + row * cols;
  const T* rr = r ? r + row * cols : nullptr;
  T* yr = y + row * cols;
  if (cols <= 32 * kPerLane) {
    float v[kPerLane];
    float sum = 0.f;
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
      const int c = lane + 32 * k;
      v[k] = 0.f;
      if (c < cols) {
        v[k] = ld(xr, c) + (rr ? ld(rr, c) : 0.f);
        sum += v[k];
      }
    }
    const float mean = warp_sum(sum) / cols;
    float sq = 0.f;
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
      const int c = lane + 32 * k;
      if (c < cols) {
        const float d = v[k] - mean;
        sq += d * d;
      }
    }
    const float inv = rsqrtf(warp_sum(sq) / cols + eps);
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
      const int c = lane + 32 * k;
      if (c < cols) st(yr, c, (v[k] - mean) * inv * gamma[c] + beta[c]);
    }
    return;
  }
  float sum = 0.f;
  for (int c = lane; c < cols; c += 32) sum += ld(xr, c) + (rr ? ld(rr, c) : 0.f);
  const float mean = warp_sum(sum) / cols;
  float sq = 0.f;
  for (int c = lane; c < cols; c += 32) {
    const float d = ld(xr, c) + (rr ? ld(rr, c) : 0.f) - mean;
    sq += d * d;
  }
  const float inv = rsqrtf(warp_sum(sq) / cols + eps);
  for (int c = lane; c < cols; c += 32)
    st(yr, c, (ld(xr, c) + (rr ? ld(rr, c) : 0.f) - mean) * inv * gamma[c] + beta[c]);
}

// FP16 rows of 256 * kChunks columns: lane L owns the 8-column chunks L, L + 32, ... and moves
// them with 16-byte loads and stores (x, residual, y) and 2 x 16-byte loads (gamma, beta): an
// eighth of the scalar kernel's memory instructions for ACT's 512-wide rows.
template <int kChunks>
__global__ void layer_norm_half8_kernel(const uint4* __restrict__ x, const uint4* __restrict__ r,
                                        const float4* __restrict__ gamma,
                                        const float4* __restrict__ beta, uint4* __restrict__ y,
                                        int64_t rows, float eps) {
  constexpr int kCols = 256 * kChunks;
  const int lane = threadIdx.x & 31;
  const int64_t row = blockIdx.x * int64_t(kWarpsPerBlock) + (threadIdx.x >> 5);
  if (row >= rows) return;
  float v[kChunks][8];
  float sum = 0.f;
#pragma unroll
  for (int j = 0; j < kChunks; ++j) {
    const int64_t chunk = row * (kCols / 8) + lane + 32 * j;
    uint4 a = x[chunk];
    const __half2* ha = reinterpret_cast<const __half2*>(&a);
    uint4 b = make_uint4(0, 0, 0, 0);
    if (r) b = r[chunk];
    const __half2* hb = reinterpret_cast<const __half2*>(&b);
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      const float2 fa = __half22float2(ha[e]);
      const float2 fb = __half22float2(hb[e]);
      v[j][2 * e] = fa.x + fb.x;
      v[j][2 * e + 1] = fa.y + fb.y;
      sum += v[j][2 * e] + v[j][2 * e + 1];
    }
  }
  const float mean = warp_sum(sum) / kCols;
  float sq = 0.f;
#pragma unroll
  for (int j = 0; j < kChunks; ++j)
#pragma unroll
    for (int e = 0; e < 8; ++e) {
      const float d = v[j][e] - mean;
      sq += d * d;
    }
  const float inv = rsqrtf(warp_sum(sq) / kCols + eps);
#pragma unroll
  for (int j = 0; j < kChunks; ++j) {
    const int c8 = lane + 32 * j;  // chunk within the row
    const float4 g0 = gamma[2 * c8], g1 = gamma[2 * c8 + 1];
    const float4 b0 = beta[2 * c8], b1 = beta[2 * c8 + 1];
    const float g[8] = {g0.x, g0.y, g0.z, g0.w, g1.x, g1.y, g1.z, g1.w};
    const float bb[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
    uint4 out;
    __half2* ho = reinterpret_cast<__half2*>(&out);
#pragma unroll
    for (int e = 0; e < 4; ++e)
      ho[e] = __floats2half2_rn((v[j][2 * e] - mean) * inv * g[2 * e] + bb[2 * e],
                                (v[j][2 * e + 1] - mean) * inv * g[2 * e + 1] + bb[2 * e + 1]);
    y[row * (kCols / 8) + c8] = out;
  }
}

// One warp per row; the row is read twice from global memory (max, then sum and write) and
// stays in L1/L2 between the passes for the row lengths of ACT (<= 902).
template <typename T>
__global__ void softmax_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t rows,
                               int64_t cols, float scale) {
  const int lane = threadIdx.x & 31;
  const int64_t row = blockIdx.x * int64_t(kWarpsPerBlock) + (threadIdx.x >> 5);
  if (row >= rows) return;
  const T* xr = x + row * cols;
  T* yr = y + row * cols;
  float m = -FLT_MAX;
  for (int64_t c = lane; c < cols; c += 32) m = fmaxf(m, ld(xr, c) * scale);
  m = warp_max(m);
  float s = 0.f;
  for (int64_t c = lane; c < cols; c += 32) s += expf(ld(xr, c) * scale - m);
  const float inv = 1.f / warp_sum(s);
  for (int64_t c = lane; c < cols; c += 32) st(yr, c, expf(ld(xr, c) * scale - m) * inv);
}

// One thread per output element (n, oh, ow, c): consecutive threads walk channels, so loads
// and stores are coalesced in NHWC.
template <typename T>
__global__ void maxpool_nhwc_kernel(const T* __restrict__ x, T* __restrict__ y, PoolNhwc p,
                                    int64_t total) {
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < total;
       t += int64_t(gridDim.x) * blockDim.x) {
    const int c = int(t % p.c);
    int64_t rest = t / p.c;
    const int ow = int(rest % p.ow);
    rest /= p.ow;
    const int oh = int(rest % p.oh);
    const int64_t n = rest / p.oh;
    float m = -INFINITY;
    for (int i = 0; i < p.kh; ++i) {
      const int ih = oh * p.sh - p.ph + i * p.dh;
      if (ih < 0 || ih >= p.h) continue;
      for (int j = 0; j < p.kw; ++j) {
        const int iw = ow * p.sw - p.pw + j * p.dw;
        if (iw < 0 || iw >= p.w) continue;
        m = fmaxf(m, ld(x, ((n * p.h + ih) * p.w + iw) * p.c + c));
      }
    }
    st(y, t, m);
  }
}

// FP16 with C % 8 == 0: one thread per 8 channels, 16-byte loads and __hmax2 (max is exact in
// FP16, so no FP32 round trip). The scalar kernel above spent most of its time on 2-byte loads
// and 64-bit index arithmetic.
__global__ void maxpool_nhwc_half8_kernel(const uint4* __restrict__ x, uint4* __restrict__ y,
                                          PoolNhwc p, int64_t total) {
  const int c8 = p.c / 8;
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < total;
       t += int64_t(gridDim.x) * blockDim.x) {
    const int c = int(t % c8);
    int64_t rest = t / c8;
    const int ow = int(rest % p.ow);
    rest /= p.ow;
    const int oh = int(rest % p.oh);
    const int64_t n = rest / p.oh;
    const __half2 lowest = __float2half2_rn(-65504.0f);
    __half2 m[4] = {lowest, lowest, lowest, lowest};
    bool any = false;
    for (int i = 0; i < p.kh; ++i) {
      const int ih = oh * p.sh - p.ph + i * p.dh;
      if (ih < 0 || ih >= p.h) continue;
      for (int j = 0; j < p.kw; ++j) {
        const int iw = ow * p.sw - p.pw + j * p.dw;
        if (iw < 0 || iw >= p.w) continue;
        uint4 v = x[((n * p.h + ih) * p.w + iw) * c8 + c];
        const __half2* h = reinterpret_cast<const __half2*>(&v);
#pragma unroll
        for (int k = 0; k < 4; ++k) m[k] = any ? __hmax2(m[k], h[k]) : h[k];
        any = true;
      }
    }
    uint4 out;
    __half2* o = reinterpret_cast<__half2*>(&out);
    const __half2 neg_inf = __float2half2_rn(-INFINITY);
#pragma unroll
    for (int k = 0; k < 4; ++k) o[k] = any ? m[k] : neg_inf;
    y[t] = out;
  }
}

unsigned row_blocks(int64_t rows) {
  return static_cast<unsigned>((rows + kWarpsPerBlock - 1) / kWarpsPerBlock);
}

}  // namespace

cudaError_t launch_layer_norm(const void* x, const void* residual, const float* gamma,
                              const float* beta, void* y, int64_t rows, int64_t cols, float eps,
                              bool half, cudaStream_t stream) {
  if (rows == 0) return cudaSuccess;
  const auto aligned = [](const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; };
  if (half && (cols == 256 || cols == 512 || cols == 768 || cols == 1024) && aligned(x) &&
      aligned(y) && aligned(gamma) && aligned(beta) && (!residual || aligned(residual))) {
    const auto* xv = static_cast<const uint4*>(x);
    const auto* rv = static_cast<const uint4*>(residual);
    const auto* gv = reinterpret_cast<const float4*>(gamma);
    const auto* bv = reinterpret_cast<const float4*>(beta);
    auto* yv = static_cast<uint4*>(y);
    const unsigned blocks = row_blocks(rows);
    switch (cols / 256) {
      case 1: layer_norm_half8_kernel<1><<<blocks, 32 * kWarpsPerBlock, 0, stream>>>(xv, rv, gv, bv, yv, rows, eps); break;
      case 2: layer_norm_half8_kernel<2><<<blocks, 32 * kWarpsPerBlock, 0, stream>>>(xv, rv, gv, bv, yv, rows, eps); break;
      case 3: layer_norm_half8_kernel<3><<<blocks, 32 * kWarpsPerBlock, 0, stream>>>(xv, rv, gv, bv, yv, rows, eps); break;
      default: layer_norm_half8_kernel<4><<<blocks, 32 * kWarpsPerBlock, 0, stream>>>(xv, rv, gv, bv, yv, rows, eps); break;
    }
    return cudaGetLastError();
  }
  if (half)
    layer_norm_kernel<__half><<<row_blocks(rows), 32 * kWarpsPerBlock, 0, stream>>>(
        static_cast<const __half*>(x), static_cast<const __half*>(residual), gamma, beta,
        static_cast<__half*>(y), rows, int(cols), eps);
  else
    layer_norm_kernel<float><<<row_blocks(rows), 32 * kWarpsPerBlock, 0, stream>>>(
        static_cast<const float*>(x), static_cast<const float*>(residual), gamma, beta,
        static_cast<float*>(y), rows, int(cols), eps);
  return cudaGetLastError();
}

cudaError_t launch_softmax(const void* x, void* y, int64_t rows, int64_t cols, float scale,
                           bool half, cudaStream_t stream) {
  if (rows == 0) return cudaSuccess;
  if (half)
    softmax_kernel<__half><<<row_blocks(rows), 32 * kWarpsPerBlock, 0, stream>>>(
        static_cast<const __half*>(x), static_cast<__half*>(y), rows, cols, scale);
  else
    softmax_kernel<float><<<row_blocks(rows), 32 * kWarpsPerBlock, 0, stream>>>(
        static_cast<const float*>(x), static_cast<float*>(y), rows, cols, scale);
  return cudaGetLastError();
}

cudaError_t launch_maxpool_nhwc(const void* x, void* y, const PoolNhwc& p, bool half,
                                cudaStream_t stream) {
  const int64_t total = int64_t(p.n) * p.oh * p.ow * p.c;
  if (total == 0) return cudaSuccess;
  if (half && p.c % 8 == 0 && reinterpret_cast<uintptr_t>(x) % 16 == 0 &&
      reinterpret_cast<uintptr_t>(y) % 16 == 0) {
    const int64_t total8 = total / 8;
    int64_t blocks = (total8 + 255) / 256;
    if (blocks > 65535 * 32) blocks = 65535 * 32;
    maxpool_nhwc_half8_kernel<<<unsigned(blocks), 256, 0, stream>>>(
        static_cast<const uint4*>(x), static_cast<uint4*>(y), p, total8);
    return cudaGetLastError();
  }
  int64_t blocks = (total + 255) / 256;
  if (blocks > 65535 * 32) blocks = 65535 * 32;
  if (half)
    maxpool_nhwc_kernel<__half><<<unsigned(blocks), 256, 0, stream>>>(
        static_cast<const __half*>(x), static_cast<__half*>(y), p, total);
  else
    maxpool_nhwc_kernel<float><<<unsigned(blocks), 256, 0, stream>>>(
        static_cast<const float*>(x), static_cast<float*>(y), p, total);
  return cudaGetLastError();
}

}  // namespace actrt::cuda
