// Fused multi-head attention for FP16 (flash-style, FlashAttention-2's register layout):
// softmax(scale * Q K^T) V without writing the score matrix anywhere. Kernels and launchers only.
//
// Tiling: a block of 4 warps owns 64 query rows (16 per warp) and walks the keys in tiles of 64
// that sit in shared memory (Q, K, V: 27 KB, so several blocks share an SM). Both products run
// on tensor cores with mma.sync m16n8k16 (FP16 in, FP32 accumulate) and never leave registers:
// the S = Q K^T accumulators of a warp (16 rows x 64 keys) are, after the online-softmax update,
// repacked in place as the A operand of P V (the C layout of two adjacent n-tiles is the A layout
// of one k-step). Fragment ownership (PTX ISA, mma.m16n8k16): lane = 4 g + t holds rows g and
// g + 8, columns 2t and 2t + 1 of every 8-wide tile. So a row's max and sum need only the 4 lanes
// of a quad (two shuffles); the row sum is kept per lane and reduced once at the end.
// K tiles feed the B operand with plain 32-bit shared loads (a key row is a B column); V tiles
// go through ldmatrix.trans. Padded rows (72 halves) make both conflict-free.
// Keys past sk are masked to -inf; query rows past sq are computed on zeros and not stored.
#include <cuda_fp16.h>

#include <cfloat>
#include <cstdint>

#include "backends/cuda/kernels.h"

namespace actrt::cuda {

namespace {

constexpr int kD = 64;        // head dim
constexpr int kBM = 64;       // query rows per block
constexpr int kBN = 64;       // keys per tile
constexpr int kWarps = 4;
constexpr int kLdH = kD + 8;  // padded half row (144 B: a multiple of 16 B, shifts banks)

constexpr size_t kSmemBytes = sizeof(__half) * 3 * kBM * kLdH;

// Loads rows [row0, row0 + 64) of a [rows, 64] half matrix whose rows are `ld` halves apart
// into a padded tile; rows past `rows` become zeros. 16-byte loads: 8 halves per access, 512
// accesses per tile (ld is a multiple of 8, checked by the launcher).
__device__ __forceinline__ void load_tile(__half* tile, const __half* src, int64_t row0,
                                          int64_t rows, int64_t ld) {
  for (int i = threadIdx.x; i < kBM * (kD / 8); i += kWarps * 32) {
    const int r = i / (kD / 8);
    const int c = (i % (kD / 8)) * 8;
    uint4 v = make_uint4(0, 0, 0, 0);
    if (row0 + r < rows) v = *reinterpret_cast<const uint4*>(src + (row0 + r) * ld + c);
    *reinterpret_cast<uint4*>(tile + r * kLdH + c) = v;
  }
}

__device__ __forceinline__ uint32_t lds32(const __half* p) {
  return *reinterpret_cast<const uint32_t*>(p);
}

__device__ __forceinline__ uint32_t pack_half2(float lo, float hi) {
  __half2 h = __floats2half2_rn(lo, hi);
  return *reinterpret_cast<uint32_t*>(&h);
}

// d += a (16x16, row) * b (16x8, col), FP16 in, FP32 accumulate.
__device__ __forceinline__ void mma16816(float d[4], const uint32_t a[4], uint32_t b0,
                                         uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
      "{%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Four transposed 8x8 FP16 matrices; lane L gives the address of row L % 8 of matrix L / 8.
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t r[4], const __half* p) {
  const uint32_t addr = static_cast<uint32_t>(__cvta_generic_to_shared(p));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

__global__ void __launch_bounds__(kWarps * 32)
    flash_attention_f16_kernel(const __half* __restrict__ q, const __half* __restrict__ k,
                               const __half* __restrict__ v, __half* __restrict__ o, int64_t sq,
                               int64_t sk, float scale_log2, AttentionStrides st,
                               int64_t keys_per_split, float* __restrict__ part_o,
                               float* __restrict__ part_ml) {
  extern __shared__ __align__(16) unsigned char smem[];
  __half* qs = reinterpret_cast<__half*>(smem);
  __half* ks = qs + kBM * kLdH;
  __half* vs = ks + kBM * kLdH;

  const int warp = threadIdx.x >> 5;
  const int lane = threadIdx.x & 31;
  const int g = lane >> 2;  // row (and B column) within a fragment
  const int t = lane & 3;   // column pair within a fragment
  const int64_t b = blockIdx.y;
  const int64_t q0 = int64_t(blockIdx.x) * kBM;
  const __half* qb = q + b * st.q_head;
  const __half* kb = k + b * st.k_head;
  const __half* vb = v + b * st.v_head;

  load_tile(qs, qb, q0, sq, st.q_row);
  __syncthreads();
  // This warp's Q rows as A fragments, one per 16-wide k-step of the head dimension.
  uint32_t qa[kD / 16][4];
  {
    const __half* r0 = qs + (warp * 16 + g) * kLdH;
    const __half* r8 = r0 + 8 * kLdH;
#pragma unroll
    for (int kk = 0; kk < kD / 16; ++kk) {
      qa[kk][0] = lds32(r0 + kk * 16 + 2 * t);
      qa[kk][1] = lds32(r8 + kk * 16 + 2 * t);
      qa[kk][2] = lds32(r0 + kk * 16 + 8 + 2 * t);
      qa[kk][3] = lds32(r8 + kk * 16 + 8 + 2 * t);
    }
  }

  float acc[kD / 8][4];  // O: 8 tiles of 8 head columns; [0..1] row g, [2..3] row g + 8
#pragma unroll
  for (int j = 0; j < kD / 8; ++j) acc[j][0] = acc[j][1] = acc[j][2] = acc[j][3] = 0.f;
  float m0 = -1e30f, m1 = -1e30f;  // running row max (log2 domain), rows g and g + 8
  float l0 = 0.f, l1 = 0.f;        // this lane's share of the running row sums

  // Split-K (part_o set): block z of gridDim.z walks only its chunk of the keys and leaves
  // unnormalized partial results for flash_combine_kernel.
  const int64_t k_begin = int64_t(blockIdx.z) * keys_per_split;
  const int64_t k_end = k_begin + keys_per_split < sk ? k_begin + keys_per_split : sk;
  for (int64_t k0 = k_begin; k0 < k_end; k0 += kBN) {
    __syncthreads();  // previous tiles fully consumed
    load_tile(ks, kb, k0, sk, st.k_row);
    load_tile(vs, vb, k0, sk, st.v_row);
    __syncthreads();

    // S = Q K^T for this warp's 16 rows and the tile's 64 keys (8 n-tiles of 8 keys).
    float s[kBN / 8][4];
#pragma unroll
    for (int j = 0; j < kBN / 8; ++j) {
      s[j][0] = s[j][1] = s[j][2] = s[j][3] = 0.f;
      const __half* krow = ks + (j * 8 + g) * kLdH;
#pragma unroll
      for (int kk = 0; kk < kD / 16; ++kk)
        mma16816(s[j], qa[kk], lds32(krow + kk * 16 + 2 * t), lds32(krow + kk * 16 + 8 + 2 * t));
    }
    // Scale into the log2 domain, mask keys past sk, tile row max over the quad.
    float tmax0 = -1e30f, tmax1 = -1e30f;
#pragma unroll
    for (int j = 0; j < kBN / 8; ++j) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int64_t key = k0 + j * 8 + 2 * t + (e & 1);
        s[j][e] = key < sk ? s[j][e] * scale_log2 : -INFINITY;
      }
      tmax0 = fmaxf(tmax0, fmaxf(s[j][0], s[j][1]));
      tmax1 = fmaxf(tmax1, fmaxf(s[j][2], s[j][3]));
    }
#pragma unroll
    for (int off = 1; off <= 2; off <<= 1) {
      tmax0 = fmaxf(tmax0, __shfl_xor_sync(0xffffffffu, tmax0, off));
      tmax1 = fmaxf(tmax1, __shfl_xor_sync(0xffffffffu, tmax1, off));
    }
    const float mn0 = fmaxf(m0, tmax0), mn1 = fmaxf(m1, tmax1);
    const float alpha0 = exp2f(m0 - mn0), alpha1 = exp2f(m1 - mn1);
    m0 = mn0;
    m1 = mn1;
    l0 *= alpha0;
    l1 *= alpha1;
#pragma unroll
    for (int j = 0; j < kD / 8; ++j) {
      acc[j][0] *= alpha0;
      acc[j][1] *= alpha0;
      acc[j][2] *= alpha1;
      acc[j][3] *= alpha1;
    }
    // P = exp2(S - m) as A fragments of P V: k-step kk covers n-tiles 2kk and 2kk + 1.
    uint32_t pa[kBN / 16][4];
#pragma unroll
    for (int kk = 0; kk < kBN / 16; ++kk) {
      float p[2][4];
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        p[h][0] = exp2f(s[2 * kk + h][0] - m0);
        p[h][1] = exp2f(s[2 * kk + h][1] - m0);
        p[h][2] = exp2f(s[2 * kk + h][2] - m1);
        p[h][3] = exp2f(s[2 * kk + h][3] - m1);
        l0 += p[h][0] + p[h][1];
        l1 += p[h][2] + p[h][3];
      }
      pa[kk][0] = pack_half2(p[0][0], p[0][1]);
      pa[kk][1] = pack_half2(p[0][2], p[0][3]);
      pa[kk][2] = pack_half2(p[1][0], p[1][1]);
      pa[kk][3] = pack_half2(p[1][2], p[1][3]);
    }
    // O += P V: V's B fragments for two head-column tiles per ldmatrix.x4.trans.
#pragma unroll
    for (int kk = 0; kk < kBN / 16; ++kk) {
#pragma unroll
      for (int jd = 0; jd < kD / 8; jd += 2) {
        const int key = kk * 16 + ((lane >> 3) & 1) * 8 + (lane & 7);
        const int col = (jd + (lane >> 4)) * 8;
        uint32_t vb4[4];
        ldmatrix_x4_trans(vb4, vs + key * kLdH + col);
        mma16816(acc[jd], pa[kk], vb4[0], vb4[1]);
        mma16816(acc[jd + 1], pa[kk], vb4[2], vb4[3]);
      }
    }
  }
  // Row sums over the quad.
#pragma unroll
  for (int off = 1; off <= 2; off <<= 1) {
    l0 += __shfl_xor_sync(0xffffffffu, l0, off);
    l1 += __shfl_xor_sync(0xffffffffu, l1, off);
  }

  const int64_t row0 = q0 + warp * 16 + g;
#pragma unroll
  for (int half_row = 0; half_row < 2; ++half_row) {
    const int64_t row = row0 + half_row * 8;
    if (row >= sq) continue;
    const float m = half_row ? m1 : m0;
    const float l = half_row ? l1 : l0;
    if (part_o) {
      const int64_t part = (b * gridDim.z + blockIdx.z) * sq + row;
      float* dst = part_o + part * kD + 2 * t;
#pragma unroll
      for (int j = 0; j < kD / 8; ++j)
        *reinterpret_cast<float2*>(dst + j * 8) =
            make_float2(acc[j][2 * half_row], acc[j][2 * half_row + 1]);
      if (t == 0) *reinterpret_cast<float2*>(part_ml + part * 2) = make_float2(m, l);
    } else {
      const float inv = 1.f / l;
      __half* dst = o + b * st.o_head + row * st.o_row + 2 * t;
#pragma unroll
      for (int j = 0; j < kD / 8; ++j)
        *reinterpret_cast<__half2*>(dst + j * 8) =
            __floats2half2_rn(acc[j][2 * half_row] * inv, acc[j][2 * half_row + 1] * inv);
    }
  }
}

// Merges the split-K partials of one query row: O = sum_z exp2(m_z - M) o_z / sum_z exp2(m_z - M) l_z.
// One warp per row, two columns per lane.
__global__ void flash_combine_kernel(const float* __restrict__ part_o,
                                     const float* __restrict__ part_ml, __half* __restrict__ o,
                                     int64_t batch, int64_t sq, int splits, AttentionStrides st) {
  const int64_t r = int64_t(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32;
  if (r >= batch * sq) return;
  const int lane = threadIdx.x & 31;
  const int64_t b = r / sq, row = r % sq;
  float mx = -FLT_MAX;
  for (int z = 0; z < splits; ++z) mx = fmaxf(mx, part_ml[((b * splits + z) * sq + row) * 2]);
  float l = 0.f, o0 = 0.f, o1 = 0.f;
  for (int z = 0; z < splits; ++z) {
    const int64_t part = (b * splits + z) * sq + row;
    const float w = exp2f(part_ml[part * 2] - mx);
    l += w * part_ml[part * 2 + 1];
    const float2 v = *reinterpret_cast<const float2*>(part_o + part * kD + lane * 2);
    o0 += w * v.x;
    o1 += w * v.y;
  }
  const float inv = 1.f / l;
  *reinterpret_cast<__half2*>(o + b * st.o_head + row * st.o_row + lane * 2) =
      __floats2half2_rn(o0 * inv, o1 * inv);
}

}  // namespace

int64_t flash_attention_splits(int64_t batch, int64_t sq, int64_t sk, int sm_count) {
  const int64_t blocks = (sq + kBM - 1) / kBM * batch;
  const int64_t key_tiles = (sk + kBN - 1) / kBN;
  // About four blocks per SM keep the tensor cores busy; each split adds a combine pass.
  const int64_t want = (int64_t(sm_count) * 4 + blocks - 1) / blocks;
  int64_t splits = want < key_tiles ? want : key_tiles;
  if (splits < 1) splits = 1;
  // Equal whole tiles per split (the last split may be short).
  const int64_t tiles_per_split = (key_tiles + splits - 1) / splits;
  return (key_tiles + tiles_per_split - 1) / tiles_per_split;
}

size_t flash_attention_workspace(int64_t batch, int64_t sq, int64_t splits) {
  return splits <= 1 ? 0 : size_t(batch * splits * sq) * (kD + 2) * sizeof(float);
}

cudaError_t launch_flash_attention_f16(const void* q, const void* k, const void* v, void* o,
                                       int64_t batch, int64_t sq, int64_t sk, int64_t head_dim,
                                       float scale, const AttentionStrides& strides,
                                       int64_t splits, void* workspace, cudaStream_t stream) {
  if (head_dim != kD || sk <= 0) return cudaErrorInvalidValue;
  // 16-byte row loads need every row start 16-byte aligned.
  for (int64_t s : {strides.q_row, strides.k_row, strides.v_row, strides.q_head, strides.k_head,
                    strides.v_head})
    if (s % 8 != 0) return cudaErrorInvalidValue;
  if (strides.o_row % 2 != 0 || strides.o_head % 2 != 0) return cudaErrorInvalidValue;
  if (batch == 0 || sq == 0) return cudaSuccess;
  static_assert(kSmemBytes <= 48 * 1024, "above 48 KB, dynamic shared memory needs an opt-in");
  if (splits < 1 || (splits > 1 && !workspace)) return cudaErrorInvalidValue;
  const int64_t key_tiles = (sk + kBN - 1) / kBN;
  const int64_t keys_per_split = (key_tiles + splits - 1) / splits * kBN;
  if ((splits - 1) * keys_per_split >= sk) return cudaErrorInvalidValue;  // an empty split
  float* part_o = splits > 1 ? static_cast<float*>(workspace) : nullptr;
  float* part_ml = splits > 1 ? part_o + batch * splits * sq * kD : nullptr;
  const dim3 grid(unsigned((sq + kBM - 1) / kBM), unsigned(batch), unsigned(splits));
  constexpr float kLog2e = 1.4426950408889634f;
  flash_attention_f16_kernel<<<grid, kWarps * 32, kSmemBytes, stream>>>(
      static_cast<const __half*>(q), static_cast<const __half*>(k),
      static_cast<const __half*>(v), static_cast<__half*>(o), sq, sk, scale * kLog2e, strides,
      keys_per_split, part_o, part_ml);
  if (splits == 1) return cudaGetLastError();
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) return e;
  constexpr int kRowsPerBlock = 8;
  const unsigned blocks = unsigned((batch * sq + kRowsPerBlock - 1) / kRowsPerBlock);
  flash_combine_kernel<<<blocks, kRowsPerBlock * 32, 0, stream>>>(
      part_o, part_ml, static_cast<__half*>(o), batch, sq, int(splits), strides);
  return cudaGetLastError();
}

}  // namespace actrt::cuda
