// Winograd F(4x4, 3x3) input and output transforms (winograd_kernels.h). One thread per (tile,
// channel): consecutive threads take consecutive channels, so each of a thread's 36 reads and
// writes is part of one coalesced warp access. Kernels and launchers only.
#include <cstdint>

#include "backends/cuda/fast_div.cuh"
#include "backends/cuda/winograd_transforms.h"
#include "backends/cuda/winograd_kernels.h"

namespace actrt::cuda {

namespace {

constexpr int kThreads = 256;

// Splits the flat (tile, channel) index i into the image n, tile row th, tile column tw and
// channel ch.
struct TileCoords {
  uint32_t t, n;
  int th, tw, ch;
};
__device__ __forceinline__ TileCoords tile_coords(uint32_t i, const FastDiv& by_ch,
                                                  const FastDiv& by_tw, const FastDiv& by_th) {
  TileCoords c;
  c.t = fast_div(i, by_ch);
  c.ch = int(i - c.t * by_ch.divisor);
  const uint32_t rows = fast_div(c.t, by_tw);
  c.tw = int(c.t - rows * by_tw.divisor);
  c.n = fast_div(rows, by_th);
  c.th = int(rows - c.n * by_th.divisor);
  return c;
}

__global__ void __launch_bounds__(kThreads)
    winograd_input_kernel(const float* __restrict__ x, float* __restrict__ v, int h, int w, int c,
                          uint32_t total, FastDiv by_ch, FastDiv by_tw, FastDiv by_th) {
  const uint32_t i = blockIdx.x * kThreads + threadIdx.x;
  if (i >= total) return;
  const TileCoords tc = tile_coords(i, by_ch, by_tw, by_th);
  const int h0 = tc.th * kWinogradTile - 1, w0 = tc.tw * kWinogradTile - 1;
  const float* image = x + size_t(tc.n) * h * w * c + tc.ch;
  float d[kWinogradInput][kWinogradInput];
#pragma unroll
  for (int r = 0; r < kWinogradInput; ++r) {
    const int hh = h0 + r;
    const bool row_inside = hh >= 0 && hh < h;
#pragma unroll
    for (int s = 0; s < kWinogradInput; ++s) {
      const int ww = w0 + s;
      d[r][s] = row_inside && ww >= 0 && ww < w ? __ldg(image + (size_t(hh) * w + ww) * c) : 0.0f;
    }
  }
  float cols[kWinogradInput][kWinogradInput];  // B^T d, column by column
#pragma unroll
  for (int s = 0; s < kWinogradInput; ++s) {
    float o[kWinogradInput];
    winograd_input_line(d[0][s], d[1][s], d[2][s], d[3][s], d[4][s], d[5][s], o);
#pragma unroll
    for (int r = 0; r < kWinogradInput; ++r) cols[r][s] = o[r];
  }
  const size_t plane = total;  // elements of one V[e]: tiles * c
#pragma unroll
  for (int r = 0; r < kWinogradInput; ++r) {
    float o[kWinogradInput];
    winograd_input_line(cols[r][0], cols[r][1], cols[r][2], cols[r][3], cols[r][4], cols[r][5],
                        o);
#pragma unroll
    for (int s = 0; s < kWinogradInput; ++s) v[(r * kWinogradInput + s) * plane + i] = o[s];
  }
}

__global__ void __launch_bounds__(kThreads)
    winograd_output_kernel(const float* __restrict__ m, const float* __restrict__ bias,
                           const float* __restrict__ z, float* __restrict__ y, int h, int w, int k,
                           uint32_t total, FastDiv by_ch, FastDiv by_tw, FastDiv by_th,
                           bool relu) {
  const uint32_t i = blockIdx.x * kThreads + threadIdx.x;
  if (i >= total) return;
  const TileCoords tc = tile_coords(i, by_ch, by_tw, by_th);
  const size_t plane = total;  // elements of one M[e]: tiles * k
  float a[kWinogradInput][kWinogradInput];
#pragma unroll
  for (int e = 0; e < kWinogradElems; ++e)
    a[e / kWinogradInput][e % kWinogradInput] = __ldg(m + e * plane + i);
  float cols[kWinogradTile][kWinogradInput];  // A^T a, column by column
#pragma unroll
  for (int s = 0; s < kWinogradInput; ++s) {
    float o[kWinogradTile];
    winograd_output_line(a[0][s], a[1][s], a[2][s], a[3][s], a[4][s], a[5][s], o);
#pragma unroll
    for (int r = 0; r < kWinogradTile; ++r) cols[r][s] = o[r];
  }
  const float b = __ldg(bias + tc.ch);
  const int h0 = tc.th * kWinogradTile, w0 = tc.tw * kWinogradTile;
#pragma unroll
  for (int r = 0; r < kWinogradTile; ++r) {
    if (h0 + r >= h) break;
    float o[kWinogradTile];
    winograd_output_line(cols[r][0], cols[r][1], cols[r][2], cols[r][3], cols[r][4], cols[r][5],
                         o);
#pragma unroll
    for (int s = 0; s < kWinogradTile; ++s) {
      if (w0 + s >= w) break;
      const size_t off = ((size_t(tc.n) * h + h0 + r) * w + w0 + s) * k + tc.ch;
      float val = o[s] + b;
      if (z) val += __ldg(z + off);
      y[off] = relu ? fmaxf(val, 0.0f) : val;
    }
  }
}

unsigned blocks_for(uint32_t total) { return (total + kThreads - 1) / kThreads; }

// The (tile, channel) count as a 32-bit index, or 0 when it does not fit (the caller refuses).
uint32_t flat_count(const WinogradGeometry& g, int channels) {
  const int64_t total = g.tiles() * channels;
  return total > 0 && total < (int64_t(1) << 31) ? uint32_t(total) : 0;
}

}  // namespace

cudaError_t launch_winograd_input_f4x4(const float* x, float* v, const WinogradGeometry& g,
                                       cudaStream_t stream) {
  const uint32_t total = flat_count(g, g.c);
  if (total == 0) return cudaErrorInvalidValue;
  winograd_input_kernel<<<blocks_for(total), kThreads, 0, stream>>>(
      x, v, g.h, g.w, g.c, total, make_fast_div(uint32_t(g.c)),
      make_fast_div(uint32_t(g.tiles_w())), make_fast_div(uint32_t(g.tiles_h())));
  return cudaGetLastError();
}

cudaError_t launch_winograd_output_f4x4(const float* m, const float* bias, const float* z,
                                        float* y, const WinogradGeometry& g, bool relu,
                                        cudaStream_t stream) {
  const uint32_t total = flat_count(g, g.k);
  if (total == 0) return cudaErrorInvalidValue;
  winograd_output_kernel<<<blocks_for(total), kThreads, 0, stream>>>(
      m, bias, z, y, g.h, g.w, g.k, total, make_fast_div(uint32_t(g.k)),
      make_fast_div(uint32_t(g.tiles_w())), make_fast_div(uint32_t(g.tiles_h())), relu);
  return cudaGetLastError();
}

}  // namespace actrt::cuda
