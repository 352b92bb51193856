// The backend-fused ops (domain runtime::kFusedDomain) that compile() writes into a CPU plan.
//
//   FusedConv(X, W, [B], [Z])   2-D Conv (ONNX attributes) + bias, then "+ Z" when Z is given
//                               (a residual Add), then ReLU when attribute relu=1.
//   FusedMatMul(A, B, [C])      Y = alpha * A' @ B' + beta * C, then ReLU when relu=1. A is
//                               [..., M, K] (rows are all leading dims: constant B only) or a
//                               batched runtime matrix; B' = B^T when trans_b=1. C is a
//                               constant varying along N only.
//   FusedAttention(Q, K, V)     softmax(scale * Q @ K^T, last axis) @ V over [batch..., S, D];
//                               k_transposed=1 when the K input is already [..., D, Sk].
//   FusedEltwise(X, O1, ...)    a chain y = op_n(...op_1(X, O_a)...) of Add/Sub/Mul/Div/Relu
//                               where X has the output's shape and each operand broadcasts
//                               to it. Attributes: ops (EltwiseOp codes), operand (input index
//                               or -1 for unary), reversed (1: operand is the left side).
// Each keeps the output value (name, shape) of the last node of the pattern it replaces.
//
// INT8 forms (int8_lowering.h rewrites a FusedConv / FusedMatMul planned INT8 into these):
//   Int8Conv(X, Wq, [B], [Z])   FusedConv with Wq the int8 weights (ONNX layout, values in
//                               [-127, 127]); attributes x_scale (X's per-tensor scale) and
//                               w_scales (one per output channel): X is quantized to s8 with
//                               x_scale, the s8 x s8 product accumulates in s32 and is
//                               dequantized with x_scale * w_scales[c]; bias, residual and ReLU
//                               then apply in f32 exactly as in FusedConv. Y is f32, or, with
//                               attribute y_scale > 0, Y is held in s8 as round(Y / y_scale)
//                               for Int8Conv readers only. z_scale > 0: Z is held in s8 with
//                               that scale (its producer's y_scale) and added as Z_q * z_scale.
//   Int8MatMul(A, Bq, [C])      FusedMatMul with constant int8 Bq [K, N] (or [N, K] when
//                               trans_b=1) and attributes x_scale, w_scales (one per N).
#pragma once

namespace actrt::cpu {

inline constexpr const char* kFusedConv = "FusedConv";
inline constexpr const char* kFusedMatMul = "FusedMatMul";
inline constexpr const char* kFusedAttention = "FusedAttention";
inline constexpr const char* kFusedEltwise = "FusedEltwise";
inline constexpr const char* kInt8Conv = "Int8Conv";
inline constexpr const char* kInt8MatMul = "Int8MatMul";

enum class EltwiseOp : int { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kRelu = 4 };

}  // namespace actrt::cpu
