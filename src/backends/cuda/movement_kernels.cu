// Data movement and type conversion kernels: strided copy (Transpose / Slice / Concat / Expand /
// layout changes), Gather, Cast (f32 / f16 / bf16). Kernels and launchers only.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "backends/cuda/fast_div.cuh"
#include "backends/cuda/kernels.h"

namespace actrt::cuda {

namespace {

constexpr int kThreads = 256;

inline unsigned blocks_for(int64_t n) {
  const int64_t b = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(b < 65535 * 32 ? b : 65535 * 32);  // grid-stride beyond
}

// Word types by element size, so one kernel moves any dtype.
template <size_t N> struct Word;
template <> struct Word<1> { using T = uint8_t; };
template <> struct Word<2> { using T = uint16_t; };
template <> struct Word<4> { using T = uint32_t; };
template <> struct Word<8> { using T = uint64_t; };

template <typename T>
__global__ void strided_copy_kernel(const T* __restrict__ in, T* __restrict__ out, StridedCopy d,
                                    int64_t n) {
  for (int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; idx < n;
       idx += int64_t(gridDim.x) * blockDim.x) {
    int64_t rem = idx, io = d.in_offset, oo = d.out_offset;
#pragma unroll
    for (int k = kMaxRank - 1; k >= 0; --k) {
      if (k >= d.rank) continue;
      const int64_t i = rem % d.shape[k];
      rem /= d.shape[k];
      io += i * d.in_strides[k];
      oo += i * d.out_strides[k];
    }
    out[oo] = in[io];
  }
}

// The same copy in 32-bit index arithmetic with fast division, for copies whose element count
// and offsets fit in 31 bits (all of ACT's): the 64-bit `%` and `/` per dimension dominated
// the junction copy.
struct StridedCopy32 {
  int rank = 0;
  FastDiv dim[kMaxRank];
  int32_t in_strides[kMaxRank] = {};
  int32_t out_strides[kMaxRank] = {};
  int32_t in_offset = 0, out_offset = 0;
};

template <typename T>
__global__ void strided_copy32_kernel(const T* __restrict__ in, T* __restrict__ out,
                                      const __grid_constant__ StridedCopy32 d, uint32_t n) {
  for (uint32_t idx = blockIdx.x * blockDim.x + threadIdx.x; idx < n; idx += gridDim.x * blockDim.x) {
    uint32_t rem = idx;
    int32_t io = d.in_offset, oo = d.out_offset;
#pragma unroll
    for (int k = kMaxRank - 1; k >= 0; --k) {
      if (k >= d.rank) continue;
      const uint32_t q = fast_div(rem, d.dim[k]);
      const int32_t i = int32_t(rem - q * d.dim[k].divisor);
      rem = q;
      io += i * d.in_strides[k];
      oo += i * d.out_strides[k];
    }
    out[oo] = in[io];
  }
}

// Whether every offset `d` reaches (and the element count) fits in 31 bits.
bool fits_31_bits(const StridedCopy& d, int64_t n) {
  const int64_t limit = (int64_t(1) << 31) - 1;
  int64_t in_reach = d.in_offset < 0 ? -d.in_offset : d.in_offset;
  int64_t out_reach = d.out_offset < 0 ? -d.out_offset : d.out_offset;
  for (int k = 0; k < d.rank; ++k) {
    in_reach += (d.shape[k] - 1) * (d.in_strides[k] < 0 ? -d.in_strides[k] : d.in_strides[k]);
    out_reach += (d.shape[k] - 1) * (d.out_strides[k] < 0 ? -d.out_strides[k] : d.out_strides[k]);
  }
  return n <= limit && in_reach <= limit && out_reach <= limit;
}

template <typename T>
__global__ void gather_kernel(const T* __restrict__ data, const int64_t* __restrict__ idx,
                              T* __restrict__ out, int64_t axis, int64_t n, int64_t inner,
                              int64_t total) {
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < total;
       t += int64_t(gridDim.x) * blockDim.x) {
    const int64_t i = t % inner;
    const int64_t j = (t / inner) % n;
    const int64_t o = t / (inner * n);
    out[t] = data[(o * axis + idx[j]) * inner + i];
  }
}

// Conversions through FP32 (exact for f16 / bf16 -> f32; round to nearest even the other way).
__device__ inline float to_float(float x) { return x; }
__device__ inline float to_float(__half x) { return __half2float(x); }
__device__ inline float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }
__device__ inline float to_float(uint8_t x) { return static_cast<float>(x); }  // camera bytes: exact
template <typename T>
__device__ inline T from_float(float x);
template <>
__device__ inline float from_float<float>(float x) { return x; }
template <>
__device__ inline __half from_float<__half>(float x) { return __float2half_rn(x); }
template <>
__device__ inline __nv_bfloat16 from_float<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }

template <typename In, typename Out>
__global__ void convert(const In* __restrict__ in, Out* __restrict__ out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    out[i] = from_float<Out>(to_float(in[i]));
}

template <typename In>
cudaError_t convert_from(const void* in, DataType out_type, void* out, int64_t n, cudaStream_t s) {
  const In* x = static_cast<const In*>(in);
  switch (out_type) {
    case DataType::kFloat32:
      convert<<<blocks_for(n), kThreads, 0, s>>>(x, static_cast<float*>(out), n);
      break;
    case DataType::kFloat16:
      convert<<<blocks_for(n), kThreads, 0, s>>>(x, static_cast<__half*>(out), n);
      break;
    case DataType::kBFloat16:
      convert<<<blocks_for(n), kThreads, 0, s>>>(x, static_cast<__nv_bfloat16*>(out), n);
      break;
    default:
      return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

template <size_t N>
cudaError_t strided_copy_sized(const void* in, void* out, const StridedCopy& d, int64_t n,
                               cudaStream_t s) {
  using T = typename Word<N>::T;
  if (fits_31_bits(d, n)) {
    StridedCopy32 d32;
    d32.rank = d.rank;
    for (int k = 0; k < d.rank; ++k) {
      d32.dim[k] = make_fast_div(uint32_t(d.shape[k]));
      d32.in_strides[k] = int32_t(d.in_strides[k]);
      d32.out_strides[k] = int32_t(d.out_strides[k]);
    }
    d32.in_offset = int32_t(d.in_offset);
    d32.out_offset = int32_t(d.out_offset);
    strided_copy32_kernel<T><<<blocks_for(n), kThreads, 0, s>>>(
        static_cast<const T*>(in), static_cast<T*>(out), d32, uint32_t(n));
    return cudaGetLastError();
  }
  strided_copy_kernel<T><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const T*>(in),
                                                            static_cast<T*>(out), d, n);
  return cudaGetLastError();
}

template <size_t N>
cudaError_t gather_sized(const void* data, const int64_t* idx, void* out, int64_t outer,
                         int64_t axis, int64_t n, int64_t inner, cudaStream_t s) {
  using T = typename Word<N>::T;
  const int64_t total = outer * n * inner;
  gather_kernel<T><<<blocks_for(total), kThreads, 0, s>>>(
      static_cast<const T*>(data), idx, static_cast<T*>(out), axis, n, inner, total);
  return cudaGetLastError();
}

}  // namespace

cudaError_t launch_strided_copy(const void* in, void* out, const StridedCopy& d, size_t elem_size,
                                cudaStream_t stream) {
  int64_t n = 1;
  for (int k = 0; k < d.rank; ++k) n *= d.shape[k];
  if (n == 0) return cudaSuccess;
  switch (elem_size) {
    case 1: return strided_copy_sized<1>(in, out, d, n, stream);
    case 2: return strided_copy_sized<2>(in, out, d, n, stream);
    case 4: return strided_copy_sized<4>(in, out, d, n, stream);
    case 8: return strided_copy_sized<8>(in, out, d, n, stream);
    default: return cudaErrorInvalidValue;
  }
}

cudaError_t launch_gather(const void* data, const int64_t* indices, void* out, int64_t outer,
                          int64_t axis, int64_t n, int64_t inner, size_t elem_size,
                          cudaStream_t stream) {
  if (outer * n * inner == 0) return cudaSuccess;
  switch (elem_size) {
    case 1: return gather_sized<1>(data, indices, out, outer, axis, n, inner, stream);
    case 2: return gather_sized<2>(data, indices, out, outer, axis, n, inner, stream);
    case 4: return gather_sized<4>(data, indices, out, outer, axis, n, inner, stream);
    case 8: return gather_sized<8>(data, indices, out, outer, axis, n, inner, stream);
    default: return cudaErrorInvalidValue;
  }
}

cudaError_t launch_cast(const void* in, DataType in_type, void* out, DataType out_type, int64_t n,
                        cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  if (in_type == out_type)
    return cudaMemcpyAsync(out, in, n * dtype_size(in_type), cudaMemcpyDeviceToDevice, stream);
  switch (in_type) {
    case DataType::kFloat32: return convert_from<float>(in, out_type, out, n, stream);
    case DataType::kFloat16: return convert_from<__half>(in, out_type, out, n, stream);
    case DataType::kBFloat16: return convert_from<__nv_bfloat16>(in, out_type, out, n, stream);
    case DataType::kUInt8: return convert_from<uint8_t>(in, out_type, out, n, stream);
    default: return cudaErrorInvalidValue;
  }
}

}  // namespace actrt::cuda
