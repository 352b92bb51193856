// Launchers of the Winograd F(4x4, 3x3) convolution's transforms (winograd_kernels.cu); the
// batched matrix product between them and the weight transform are in winograd.h.
//
// A 3x3 convolution with stride 1 and padding 1 is cut into 4x4 output tiles, each computed
// from a 6x6 input tile as Y = A^T [ (G g G^T) . (B^T d B) ] A (Lavin & Gray, "Fast Algorithms
// for Convolutional Neural Networks", points 0, +-1, +-2, infinity). The 36 element-wise
// products summed over input channels are 36 independent matrix products
//   M[e] (tiles x K) = V[e] (tiles x C) @ U[e] (C x K),  e = 6 * row + column of the tile,
// which is where the 2.25x fewer multiplications than a direct 3x3 convolution come from.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace actrt::cuda {

inline constexpr int kWinogradTile = 4;    // output tile edge
inline constexpr int kWinogradInput = 6;   // input tile edge (tile + 3 - 1)
inline constexpr int kWinogradElems = 36;  // kWinogradInput^2: products per tile

// NHWC input [n, h, w, c], output [n, h, w, k] (stride 1, padding 1 keep h and w).
struct WinogradGeometry {
  int n = 0, h = 0, w = 0, c = 0, k = 0;
  int tiles_h() const { return (h + kWinogradTile - 1) / kWinogradTile; }
  int tiles_w() const { return (w + kWinogradTile - 1) / kWinogradTile; }
  int64_t tiles() const { return int64_t(n) * tiles_h() * tiles_w(); }
};

// V[e][t][c] = (B^T d B)[e] of tile t, channel c, with zeros outside the image.
// x: FP32 NHWC; v: FP32 [36, tiles, c].
cudaError_t launch_winograd_input_f4x4(const float* x, float* v, const WinogradGeometry& g,
                                       cudaStream_t stream);

// y = act(A^T M A + bias (+ z)) for every tile and output channel, clipped to the image.
// m: FP32 [36, tiles, k]; bias [k]; z (may be null) and y: FP32 NHWC [n, h, w, k].
cudaError_t launch_winograd_output_f4x4(const float* m, const float* bias, const float* z,
                                        float* y, const WinogradGeometry& g, bool relu,
                                        cudaStream_t stream);

}  // namespace actrt::cuda
