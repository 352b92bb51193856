// Fused elementwise chains: one launch for a chain of unary / binary ops with broadcast
// operands (e.g. ACT's ImageNet normalization Sub+Div, position-embedding adds, ReLU).
// Kernels and launchers only.
#include <cuda_fp16.h>

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

template <typename T>
__global__ void eltwise_chain_kernel(const T* __restrict__ x, Operands operands,
                                     T* __restrict__ y, int64_t n, EltwiseChain c) {
  for (int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; idx < n;
       idx += int64_t(gridDim.x) * blockDim.x) {
    float v = load_f(x, idx);
    for (int k = 0; k < c.n_ops; ++k) {
      const int op = c.ops[k];
      if (op < 32) {
        const int j = c.operand[k];
        int64_t off = 0;
        if (!c.scalar[j]) {
          int64_t rem = idx;
          for (int d = c.rank - 1; d >= 0; --d) {
            const int64_t i = rem % c.shape[d];
            rem /= c.shape[d];
            off += i * c.strides[j][d];
          }
        }
        const float b = load_f(static_cast<const T*>(operands.p[j]), off);
        v = c.reversed[k] ? apply_binary(op, b, v) : apply_binary(op, v, b);
      } else {
        v = apply_unary(op, v);
      }
    }
    store_f(y, idx, v);
  }
}

}  // namespace

cudaError_t launch_eltwise_chain(const void* x, const void* const* operands, void* y, int64_t n,
                                 const EltwiseChain& chain, bool half, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  if (chain.n_operands > kMaxEltOperands || chain.n_ops > kMaxEltOps || chain.rank > kMaxEltRank)
    return cudaErrorInvalidValue;
  Operands ops{};
  for (int i = 0; i < chain.n_operands; ++i) ops.p[i] = operands[i];
  int64_t blocks = (n + kThreads - 1) / kThreads;
  if (blocks > 65535 * 32) blocks = 65535 * 32;
  if (half)
    eltwise_chain_kernel<__half><<<unsigned(blocks), kThreads, 0, stream>>>(
        static_cast<const __half*>(x), ops, static_cast<__half*>(y), n, chain);
  else
    eltwise_chain_kernel<float><<<unsigned(blocks), kThreads, 0, stream>>>(
        static_cast<const float*>(x), ops, static_cast<float*>(y), n, chain);
  return cudaGetLastError();
}

}  // namespace actrt::cuda
