// Fused elementwise chains: one launch for a chain of unary / binary ops with broadcast
// operands (e.g. ACT's ImageNet normalization Sub+Div, position-embedding adds, ReLU).
// Kernels and launchers only.
#include <cuda_fp16.h>

#include "backends/cuda/fast_div.cuh"
#include "backends/cuda/kernels.h"

namespace actrt::cuda {

namespace {

constexpr int kThreads = 256;

template <typename T> __device__ __forceinline__ float load_f(const T* p, int64_t i);
template <> __device__ __forceinline__ float load_f<float>(const float* p, int64_t i) {
  return p[i];
}
template <> __device__ __forceinline__ float load_f<__half>(const __half* p, int64_t i) {
  return __half2float(p[i]);
}
__device__ __forceinline__ void store_f(float* p, int64_t i, float v) { p[i] = v; }
__device__ __forceinline__ void store_f(__half* p, int64_t i, float v) {
  p[i] = __float2half_rn(v);
}

__device__ __forceinline__ float apply_binary(int op, float a, float b) {
  switch (op) {
    case int(EltOp::kAdd): return a + b;
    case int(EltOp::kSub): return a - b;
    case int(EltOp::kMul): return a * b;
    case int(EltOp::kDiv): return a / b;
    case int(EltOp::kPow): return powf(a, b);
    case int(EltOp::kMin): return fminf(a, b);
    case int(EltOp::kMax): return fmaxf(a, b);
  }
  return a;
}

__device__ __forceinline__ float apply_unary(int op, float a) {
  switch (op) {
    case int(EltOp::kRelu): return a > 0.f ? a : 0.f;
    case int(EltOp::kNeg): return -a;
    case int(EltOp::kAbs): return fabsf(a);
    case int(EltOp::kExp): return expf(a);
    case int(EltOp::kLog): return logf(a);
    case int(EltOp::kSqrt): return sqrtf(a);
    case int(EltOp::kReciprocal): return 1.f / a;
    case int(EltOp::kTanh): return tanhf(a);
    case int(EltOp::kSigmoid): return 1.f / (1.f + expf(-a));
    case int(EltOp::kErf): return erff(a);
    case int(EltOp::kSin): return sinf(a);
    case int(EltOp::kCos): return cosf(a);
    case int(EltOp::kGeluErf): return 0.5f * a * (1.f + erff(a * 0.70710678118654752f));
    case int(EltOp::kGeluTanh):
      return 0.5f * a * (1.f + tanhf(0.79788456080286536f * (a + 0.044715f * a * a * a)));
  }
  return a;
}

struct Operands {
  const void* p[kMaxEltOperands];
};

struct Dividers {
  FastDiv dim[kMaxEltRank];
};

// One thread per output element. The element's coordinates are computed once (only when an
// operand broadcasts or x is read strided), in 32-bit arithmetic when the tensor is small enough.
template <typename TX, typename TY, typename Index>
__global__ void eltwise_chain_kernel(const TX* __restrict__ x,
                                     const __grid_constant__ Operands operands,
                                     TY* __restrict__ y, Index n,
                                     const __grid_constant__ EltwiseChain c, bool coords,
                                     const __grid_constant__ Dividers div) {
  for (Index idx = blockIdx.x * Index(blockDim.x) + threadIdx.x; idx < n;
       idx += Index(gridDim.x) * blockDim.x) {
    Index coord[kMaxEltRank];
    if (coords) {
      Index rem = idx;
#pragma unroll
      for (int d = kMaxEltRank - 1; d >= 0; --d) {
        if (d < c.rank) {
          if constexpr (sizeof(Index) == 4) {
            const Index q = fast_div(rem, div.dim[d]);
            coord[d] = rem - q * div.dim[d].divisor;
            rem = q;
          } else {
            coord[d] = rem % Index(c.shape[d]);
            rem /= Index(c.shape[d]);
          }
        } else {
          coord[d] = 0;
        }
      }
    }
    auto offset = [&](const int64_t* strides) {
      Index off = 0;
#pragma unroll
      for (int d = 0; d < kMaxEltRank; ++d)
        if (d < c.rank) off += coord[d] * Index(strides[d]);
      return off;
    };
    float v = load_f(x, c.x_strided ? offset(c.x_strides) : idx);
    for (int k = 0; k < c.n_ops; ++k) {
      const int op = c.ops[k];
      if (op < 32) {
        const int j = c.operand[k];
        const Index off = c.scalar[j] ? Index(0) : offset(c.strides[j]);
        const float b = load_f(static_cast<const TY*>(operands.p[j]), off);
        v = c.reversed[k] ? apply_binary(op, b, v) : apply_binary(op, v, b);
      } else {
        v = apply_unary(op, v);
      }
    }
    store_f(y, idx, v);
  }
}

template <typename TX, typename TY>
void launch_typed(const void* x, const Operands& ops, void* y, int64_t n, const EltwiseChain& c,
                  bool coords, unsigned blocks, cudaStream_t stream) {
  Dividers div;
  if (n < (int64_t(1) << 31)) {
    for (int d = 0; d < c.rank; ++d) div.dim[d] = make_fast_div(uint32_t(c.shape[d]));
    eltwise_chain_kernel<TX, TY, uint32_t><<<blocks, kThreads, 0, stream>>>(
        static_cast<const TX*>(x), ops, static_cast<TY*>(y), uint32_t(n), c, coords, div);
  } else {
    eltwise_chain_kernel<TX, TY, int64_t><<<blocks, kThreads, 0, stream>>>(
        static_cast<const TX*>(x), ops, static_cast<TY*>(y), n, c, coords, div);
  }
}

}  // namespace

cudaError_t launch_eltwise_chain(const void* x, const void* const* operands, void* y, int64_t n,
                                 const EltwiseChain& chain, bool x_half, bool y_half,
                                 cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  if (chain.n_operands > kMaxEltOperands || chain.n_ops > kMaxEltOps || chain.rank > kMaxEltRank)
    return cudaErrorInvalidValue;
  Operands ops{};
  bool coords = chain.x_strided != 0;
  for (int i = 0; i < chain.n_operands; ++i) {
    ops.p[i] = operands[i];
    coords |= !chain.scalar[i];
  }
  int64_t blocks = (n + kThreads - 1) / kThreads;
  if (blocks > 65535 * 32) blocks = 65535 * 32;
  const unsigned b = unsigned(blocks);
  if (x_half && y_half) launch_typed<__half, __half>(x, ops, y, n, chain, coords, b, stream);
  else if (x_half) launch_typed<__half, float>(x, ops, y, n, chain, coords, b, stream);
  else if (y_half) launch_typed<float, __half>(x, ops, y, n, chain, coords, b, stream);
  else launch_typed<float, float>(x, ops, y, n, chain, coords, b, stream);
  return cudaGetLastError();
}

}  // namespace actrt::cuda
