// INT8 quantization of activations (ONNX QuantizeLinear / DequantizeLinear with one scale and a
// zero point): q = saturate(round_half_even(x / scale) + zero_point), x = (q - zero_point) * scale.
// Kernels and launchers only.
#include <cuda_fp16.h>

#include <cstdint>

#include "backends/cuda/kernels.h"

namespace actrt::cuda {

namespace {

constexpr int kThreads = 256;
constexpr int kVec = 8;  // elements per thread: 16 bytes of FP16 in, 8 bytes of int8 out

__device__ __forceinline__ int8_t quantize_one(float x, float scale, int zero_point) {
  // Division (not a multiply by 1/scale) so that ties round exactly as ONNX and the host do.
  const float q = rintf(x / scale) + float(zero_point);
  return static_cast<int8_t>(fminf(fmaxf(q, -128.0f), 127.0f));
}

template <typename T> __device__ __forceinline__ float to_f(T v);
template <> __device__ __forceinline__ float to_f<float>(float v) { return v; }
template <> __device__ __forceinline__ float to_f<__half>(__half v) { return __half2float(v); }

template <typename T>
__global__ void quantize_kernel(const T* __restrict__ x, int8_t* __restrict__ y, int64_t n,
                                float scale, int zero_point) {
  const int64_t base = (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) * kVec;
  if (base + kVec <= n && (reinterpret_cast<uintptr_t>(x + base) % (kVec * sizeof(T)) == 0)) {
    T v[kVec];
    if constexpr (sizeof(T) == 2) {
      *reinterpret_cast<uint4*>(v) = *reinterpret_cast<const uint4*>(x + base);
    } else {
      *reinterpret_cast<float4*>(v) = *reinterpret_cast<const float4*>(x + base);
      *reinterpret_cast<float4*>(v + 4) = *reinterpret_cast<const float4*>(x + base + 4);
    }
    int8_t q[kVec];
#pragma unroll
    for (int i = 0; i < kVec; ++i) q[i] = quantize_one(to_f(v[i]), scale, zero_point);
    *reinterpret_cast<uint2*>(y + base) = *reinterpret_cast<const uint2*>(q);
    return;
  }
  for (int64_t i = base; i < n && i < base + kVec; ++i)
    y[i] = quantize_one(to_f(x[i]), scale, zero_point);
}

template <typename T>
__global__ void dequantize_kernel(const int8_t* __restrict__ q, T* __restrict__ y, int64_t n,
                                  float scale, int zero_point) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const float v = (float(q[i]) - float(zero_point)) * scale;
  if constexpr (sizeof(T) == 2) y[i] = __float2half_rn(v);
  else y[i] = v;
}

template <typename T>
__global__ void dequantize_columns_kernel(const int32_t* __restrict__ acc,
                                          const float* __restrict__ scale,
                                          const float* __restrict__ bias, bool relu,
                                          T* __restrict__ y, int64_t n, int64_t cols) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const int64_t c = i % cols;
  float v = float(acc[i]) * scale[c] + bias[c];
  if (relu) v = fmaxf(v, 0.0f);
  if constexpr (sizeof(T) == 2) y[i] = __float2half_rn(v);
  else y[i] = v;
}

}  // namespace

cudaError_t launch_dequantize_columns(const int32_t* acc, const float* scale, const float* bias,
                                      bool relu, void* y, bool y_half, int64_t rows, int64_t cols,
                                      cudaStream_t stream) {
  const int64_t n = rows * cols;
  if (n <= 0) return cudaSuccess;
  const unsigned blocks = unsigned((n + kThreads - 1) / kThreads);
  if (y_half)
    dequantize_columns_kernel<__half><<<blocks, kThreads, 0, stream>>>(
        acc, scale, bias, relu, static_cast<__half*>(y), n, cols);
  else
    dequantize_columns_kernel<float><<<blocks, kThreads, 0, stream>>>(
        acc, scale, bias, relu, static_cast<float*>(y), n, cols);
  return cudaGetLastError();
}

cudaError_t launch_quantize_int8(const void* x, bool x_half, int8_t* y, int64_t n, float scale,
                                 int zero_point, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  const int64_t threads = (n + kVec - 1) / kVec;
  const unsigned blocks = unsigned((threads + kThreads - 1) / kThreads);
  if (x_half)
    quantize_kernel<__half><<<blocks, kThreads, 0, stream>>>(static_cast<const __half*>(x), y, n,
                                                             scale, zero_point);
  else
    quantize_kernel<float><<<blocks, kThreads, 0, stream>>>(static_cast<const float*>(x), y, n,
                                                            scale, zero_point);
  return cudaGetLastError();
}

cudaError_t launch_dequantize_int8(const int8_t* q, void* y, bool y_half, int64_t n, float scale,
                                   int zero_point, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  const unsigned blocks = unsigned((n + kThreads - 1) / kThreads);
  if (y_half)
    dequantize_kernel<__half><<<blocks, kThreads, 0, stream>>>(q, static_cast<__half*>(y), n,
                                                               scale, zero_point);
  else
    dequantize_kernel<float><<<blocks, kThreads, 0, stream>>>(q, static_cast<float*>(y), n,
                                                              scale, zero_point);
  return cudaGetLastError();
}

}  // namespace actrt::cuda
