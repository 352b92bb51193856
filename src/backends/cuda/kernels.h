// Launchers of the CUDA backend's own kernels (defined in the *.cu files of this folder).
//
// Every launcher enqueues on `stream` and returns cudaGetLastError() (so the caller can name the
// node in the Status); none synchronizes, so all of them can be captured into a CUDA graph.
// Element types: `half` selects __half storage, else float. Arithmetic is always FP32.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "actrt/dtype.h"

namespace actrt::cuda {

inline constexpr int kMaxRank = 8;

// out[o] = in[i] for every index of `shape`, with element offsets
// o = out_offset + sum idx_k * out_strides[k],  i = in_offset + sum idx_k * in_strides[k].
// Covers Transpose, Slice (any step), Concat (one launch per input), Expand (stride 0), Gather
// with a scalar index, and layout changes. Strides are in elements (may be 0 or negative).
struct StridedCopy {
  int rank = 0;
  int64_t shape[kMaxRank] = {};
  int64_t in_strides[kMaxRank] = {};
  int64_t out_strides[kMaxRank] = {};
  int64_t in_offset = 0;
  int64_t out_offset = 0;
};
cudaError_t launch_strided_copy(const void* in, void* out, const StridedCopy& d, size_t elem_size,
                                cudaStream_t stream);

// Gather along one axis: data viewed as [outer, axis, inner], indices (int64, already
// non-negative and in range) of count n: out[o, j, i] = data[o, idx[j], i].
cudaError_t launch_gather(const void* data, const int64_t* indices, void* out, int64_t outer,
                          int64_t axis, int64_t n, int64_t inner, size_t elem_size,
                          cudaStream_t stream);

// Element type conversion between f32, f16 and bf16, and from u8 (same type: a copy; others:
// cudaErrorInvalidValue).
cudaError_t launch_cast(const void* in, DataType in_type, void* out, DataType out_type, int64_t n,
                        cudaStream_t stream);

// ONNX QuantizeLinear / DequantizeLinear with one scale and an int8 zero point, x FP16 when
// x_half (y when y_half), else FP32: q = saturate(round_half_even(x / scale) + zero_point),
// y = (q - zero_point) * scale.
cudaError_t launch_quantize_int8(const void* x, bool x_half, int8_t* y, int64_t n, float scale,
                                 int zero_point, cudaStream_t stream);
// The epilogue of an INT8 matrix product: y[r, c] = act(acc[r, c] * scale[c] + bias[c]) over
// row-major [rows, cols], act = ReLU when relu; y FP16 when y_half, else FP32.
cudaError_t launch_dequantize_columns(const int32_t* acc, const float* scale, const float* bias,
                                      bool relu, void* y, bool y_half, int64_t rows, int64_t cols,
                                      cudaStream_t stream);
cudaError_t launch_dequantize_int8(const int8_t* q, void* y, bool y_half, int64_t n, float scale,
                                   int zero_point, cudaStream_t stream);

// Elementwise chains: y = op_n(... op_1(x, operand) ...), every op in FP32.
enum class EltOp : int {
  // binary (take an operand)
  kAdd = 0, kSub, kMul, kDiv, kPow, kMin, kMax,
  // unary
  kRelu = 32, kNeg, kAbs, kExp, kLog, kSqrt, kReciprocal, kTanh, kSigmoid, kErf, kSin, kCos,
  kGeluErf, kGeluTanh,
};
inline constexpr bool is_binary(EltOp op) { return static_cast<int>(op) < 32; }

inline constexpr int kMaxEltOps = 16;
inline constexpr int kMaxEltOperands = 8;
inline constexpr int kMaxEltRank = 6;

struct EltwiseChain {
  int rank = 0;
  int64_t shape[kMaxEltRank] = {};   // output shape (= x's shape)
  int n_ops = 0;
  int ops[kMaxEltOps] = {};          // EltOp codes
  int operand[kMaxEltOps] = {};      // operand index (binary ops), else -1
  int reversed[kMaxEltOps] = {};     // 1: the operand is the left side (c - x, c / x)
  int n_operands = 0;
  // Broadcast strides (elements) of each operand in the output's index space (0 = broadcast).
  int64_t strides[kMaxEltOperands][kMaxEltRank] = {};
  // 1: operand is a single element (fast path, no index arithmetic).
  int scalar[kMaxEltOperands] = {};
  // x_strided = 1: x is read at sum idx_k * x_strides[k] (a transposed read, so that a chain can
  // also do a layout change); else x is contiguous in the output's order.
  int x_strided = 0;
  int64_t x_strides[kMaxEltRank] = {};
};
// y = chain(x); x is FP16 when x_half (else FP32), y and the operands FP16 when y_half: a chain
// can also do a Cast.
cudaError_t launch_eltwise_chain(const void* x, const void* const* operands, void* y, int64_t n,
                                 const EltwiseChain& chain, bool x_half, bool y_half,
                                 cudaStream_t stream);

// LayerNorm over the last axis of [rows, cols]: y = (s - mean) / sqrt(var + eps) * gamma + beta
// with s = x (+ residual when not null). Statistics in FP32; gamma / beta are FP32 always.
cudaError_t launch_layer_norm(const void* x, const void* residual, const float* gamma,
                              const float* beta, void* y, int64_t rows, int64_t cols, float eps,
                              bool half, cudaStream_t stream);

// Softmax over the last axis of [rows, cols] (FP32 max / sum), y = softmax(scale * x).
cudaError_t launch_softmax(const void* x, void* y, int64_t rows, int64_t cols, float scale,
                           bool half, cudaStream_t stream);

// Max pooling on NHWC data (padding never wins: it is -inf).
struct PoolNhwc {
  int n, h, w, c, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw;
};
cudaError_t launch_maxpool_nhwc(const void* x, void* y, const PoolNhwc& p, bool half,
                                cudaStream_t stream);

// Where head b, row s of Q, K, V and O start: base + b * *_head + s * *_row (in elements; the
// 64 values of a row are contiguous). Head-major [batch, S, 64]: head = S * 64, row = 64.
// Sequence-major [S, batch, 64] (what a [S, batch * 64] projection holds, so no transpose is
// needed): head = 64, row = batch * 64.
struct AttentionStrides {
  int64_t q_head = 0, q_row = 0, k_head = 0, k_row = 0, v_head = 0, v_row = 0, o_head = 0,
          o_row = 0;
};

// Fused multi-head attention, FP16 in/out, FP32 accumulation, online softmax (flash-style):
// o[b] = softmax(scale * q[b] @ k[b]^T) @ v[b] for b < batch, q[b] [sq, 64], k[b], v[b]
// [sk, 64], o[b] [sq, 64], laid out as `strides` says. With splits > 1 the keys are cut into
// that many chunks run by separate blocks (more parallelism when batch * sq is small, as for
// ACT's 8 heads of 902 tokens on 132 SMs), whose partial results `workspace`
// (flash_attention_workspace bytes) holds until a second kernel merges them. Returns
// cudaErrorInvalidValue for other head sizes, input strides that are not multiples of 8
// elements, or a split count that leaves a split without keys.
cudaError_t launch_flash_attention_f16(const void* q, const void* k, const void* v, void* o,
                                       int64_t batch, int64_t sq, int64_t sk, int64_t head_dim,
                                       float scale, const AttentionStrides& strides,
                                       int64_t splits, void* workspace, cudaStream_t stream);

// The split count for a GPU with `sm_count` SMs (1 when the query tiles alone fill it), and
// the workspace that many splits need.
int64_t flash_attention_splits(int64_t batch, int64_t sq, int64_t sk, int sm_count);
size_t flash_attention_workspace(int64_t batch, int64_t sq, int64_t splits);

}  // namespace actrt::cuda
