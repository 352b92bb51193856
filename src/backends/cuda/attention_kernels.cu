// Fused multi-head attention for FP16 (flash-style): softmax(scale * Q K^T) V without writing
// the score matrix to device memory. Kernels and launchers only.
//
// Tiling: a block of 4 warps owns 64 query rows (16 per warp) and walks the keys in tiles of
// 64. Q, K and V tiles sit in shared memory; Q K^T and P V run on tensor cores through wmma
// (16x16x16, FP16 in, FP32 accumulate). Each warp keeps its running row max m, row sum l and
// output O (16 x 64, FP32) in registers: lane L owns row L/2 and half (L%2) of the 64 columns,
// so the online-softmax rescale O *= exp(m_old - m_new) is a per-lane operation. Scores go
// through a per-warp FP32 scratch tile in shared memory (wmma's fragment layout is opaque).
// Keys past sk are masked to -inf; query rows past sq are computed on zeros and not stored.
#include <cuda_fp16.h>
#include <mma.h>

#include <cfloat>

#include "backends/cuda/kernels.h"

namespace actrt::cuda {

namespace {

using namespace nvcuda;

constexpr int kD = 64;        // head dim
constexpr int kBM = 64;       // query rows per block
constexpr int kBN = 64;       // keys per tile
constexpr int kWarps = 4;
constexpr int kLdH = kD + 8;  // padded half row (144 B: a multiple of 16 B, shifts banks)
constexpr int kLdS = kBN + 4; // padded float row (272 B)

constexpr size_t kSmemBytes = sizeof(__half) * (3 * kBM * kLdH + kWarps * 16 * kLdH) +
                              sizeof(float) * kWarps * 16 * kLdS;

// Loads rows [row0, row0 + 64) of a [rows, 64] half matrix into a padded tile; rows past
// `rows` become zeros. 16-byte loads: 8 halves per access, 512 accesses per tile.
__device__ __forceinline__ void load_tile(__half* tile, const __half* src, int64_t row0,
                                          int64_t rows) {
  for (int i = threadIdx.x; i < kBM * (kD / 8); i += kWarps * 32) {
    const int r = i / (kD / 8);
    const int c = (i % (kD / 8)) * 8;
    uint4 v = make_uint4(0, 0, 0, 0);
    if (row0 + r < rows) v = *reinterpret_cast<const uint4*>(src + (row0 + r) * kD + c);
    *reinterpret_cast<uint4*>(tile + r * kLdH + c) = v;
  }
}

__global__ void __launch_bounds__(kWarps * 32)
    flash_attention_f16_kernel(const __half* __restrict__ q, const __half* __restrict__ k,
                               const __half* __restrict__ v, __half* __restrict__ o, int64_t sq,
                               int64_t sk, float scale_log2) {
  extern __shared__ __align__(16) unsigned char smem[];
  __half* qs = reinterpret_cast<__half*>(smem);
  __half* ks = qs + kBM * kLdH;
  __half* vs = ks + kBM * kLdH;
  __half* ps_all = vs + kBM * kLdH;
  float* ss_all = reinterpret_cast<float*>(ps_all + kWarps * 16 * kLdH);

  const int warp = threadIdx.x >> 5;
  const int lane = threadIdx.x & 31;
  const int64_t b = blockIdx.y;
  const int64_t q0 = int64_t(blockIdx.x) * kBM;
  const __half* qb = q + b * sq * kD;
  const __half* kb = k + b * sk * kD;
  const __half* vb = v + b * sk * kD;
  __half* ps = ps_all + warp * 16 * kLdH;
  float* ss = ss_all + warp * 16 * kLdS;

  load_tile(qs, qb, q0, sq);

  const int my_row = lane >> 1;         // row within the warp's 16
  const int my_col0 = (lane & 1) * 32;  // first of my 32 columns
  float acc_o[32];
#pragma unroll
  for (int i = 0; i < 32; ++i) acc_o[i] = 0.f;
  float m = -FLT_MAX, l = 0.f;

  for (int64_t k0 = 0; k0 < sk; k0 += kBN) {
    __syncthreads();  // previous tiles fully consumed
    load_tile(ks, kb, k0, sk);
    load_tile(vs, vb, k0, sk);
    __syncthreads();

    // S = Q_w (16x64) @ K_tile^T (64x64)
    {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> s_frag[kBN / 16];
#pragma unroll
      for (int j = 0; j < kBN / 16; ++j) wmma::fill_fragment(s_frag[j], 0.f);
#pragma unroll
      for (int kk = 0; kk < kD / 16; ++kk) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> a;
        wmma::load_matrix_sync(a, qs + warp * 16 * kLdH + kk * 16, kLdH);
#pragma unroll
        for (int j = 0; j < kBN / 16; ++j) {
          wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> bf;
          wmma::load_matrix_sync(bf, ks + j * 16 * kLdH + kk * 16, kLdH);
          wmma::mma_sync(s_frag[j], a, bf, s_frag[j]);
        }
      }
#pragma unroll
      for (int j = 0; j < kBN / 16; ++j)
        wmma::store_matrix_sync(ss + j * 16, s_frag[j], kLdS, wmma::mem_row_major);
    }
    __syncwarp();

    // Online softmax on my 32 scores (base-2 exponentials, scale folded with log2(e)).
    float sv[32];
    float tile_max = -FLT_MAX;
#pragma unroll
    for (int i = 0; i < 32; ++i) {
      const int64_t key = k0 + my_col0 + i;
      sv[i] = key < sk ? ss[my_row * kLdS + my_col0 + i] * scale_log2 : -INFINITY;
      tile_max = fmaxf(tile_max, sv[i]);
    }
    tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 1));
    const float m_new = fmaxf(m, tile_max);
    const float alpha = exp2f(m - m_new);
    float psum = 0.f;
#pragma unroll
    for (int i = 0; i < 32; ++i) {
      const float p = exp2f(sv[i] - m_new);
      psum += p;
      ps[my_row * kLdH + my_col0 + i] = __float2half_rn(p);
    }
    psum += __shfl_xor_sync(0xffffffffu, psum, 1);
    l = l * alpha + psum;
    m = m_new;
#pragma unroll
    for (int i = 0; i < 32; ++i) acc_o[i] *= alpha;
    __syncwarp();

    // PV = P (16x64) @ V_tile (64x64), through the scratch tile into my registers.
    {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> o_frag[kD / 16];
#pragma unroll
      for (int j = 0; j < kD / 16; ++j) wmma::fill_fragment(o_frag[j], 0.f);
#pragma unroll
      for (int kk = 0; kk < kBN / 16; ++kk) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> a;
        wmma::load_matrix_sync(a, ps + kk * 16, kLdH);
#pragma unroll
        for (int j = 0; j < kD / 16; ++j) {
          wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::row_major> bf;
          wmma::load_matrix_sync(bf, vs + kk * 16 * kLdH + j * 16, kLdH);
          wmma::mma_sync(o_frag[j], a, bf, o_frag[j]);
        }
      }
      __syncwarp();
#pragma unroll
      for (int j = 0; j < kD / 16; ++j)
        wmma::store_matrix_sync(ss + j * 16, o_frag[j], kLdS, wmma::mem_row_major);
    }
    __syncwarp();
#pragma unroll
    for (int i = 0; i < 32; ++i) acc_o[i] += ss[my_row * kLdS + my_col0 + i];
    __syncwarp();
  }

  const int64_t row = q0 + warp * 16 + my_row;
  if (row < sq) {
    const float inv = 1.f / l;
    __half* dst = o + (b * sq + row) * kD + my_col0;
#pragma unroll
    for (int i = 0; i < 32; i += 2)
      *reinterpret_cast<__half2*>(dst + i) =
          __floats2half2_rn(acc_o[i] * inv, acc_o[i + 1] * inv);
  }
}

}  // namespace

cudaError_t launch_flash_attention_f16(const void* q, const void* k, const void* v, void* o,
                                       int64_t batch, int64_t sq, int64_t sk, int64_t head_dim,
                                       float scale, cudaStream_t stream) {
  if (head_dim != kD || sk <= 0) return cudaErrorInvalidValue;
  if (batch == 0 || sq == 0) return cudaSuccess;
  // More than the default 48 KB of dynamic shared memory needs an opt-in (once per process;
  // the first inference runs outside graph capture, so this never happens while capturing).
  static const cudaError_t attr = cudaFuncSetAttribute(
      flash_attention_f16_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(kSmemBytes));
  if (attr != cudaSuccess) return attr;
  const dim3 grid(unsigned((sq + kBM - 1) / kBM), unsigned(batch));
  constexpr float kLog2e = 1.4426950408889634f;
  flash_attention_f16_kernel<<<grid, kWarps * 32, kSmemBytes, stream>>>(
      static_cast<const __half*>(q), static_cast<const __half*>(k),
      static_cast<const __half*>(v), static_cast<__half*>(o), sq, sk, scale * kLog2e);
  return cudaGetLastError();
}

}  // namespace actrt::cuda
