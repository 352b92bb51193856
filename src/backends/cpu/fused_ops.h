// The backend-fused ops (domain engine::kFusedDomain) that compile() writes into a CPU plan.
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
#pragma once

namespace actrt::cpu {

inline constexpr const char* kFusedConv = "FusedConv";
inline constexpr const char* kFusedMatMul = "FusedMatMul";
inline constexpr const char* kFusedAttention = "FusedAttention";
inline constexpr const char* kFusedEltwise = "FusedEltwise";

enum class EltwiseOp : int { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kRelu = 4 };

}  // namespace actrt::cpu
