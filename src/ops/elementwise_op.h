// The one map from ONNX elementwise ops to the elementwise operation they compute, shared by the
// backends' elementwise-chain fusions (CPU and CUDA).
//
// The numbers are the CUDA backend's stored codes (binary ops below 32, unary from 32): fused
// chains keep them in engine files, so an existing value never changes (add new ones at the end
// of their group; Backend::contract_version says when a backend's stored encoding changes).
#pragma once

#include <optional>

#include "ir/graph.h"

namespace actrt::ops {

enum class ElementwiseOp : int {
  // binary (take an operand)
  kAdd = 0, kSub, kMul, kDiv, kPow, kMin, kMax,
  // unary
  kRelu = 32, kNeg, kAbs, kExp, kLog, kSqrt, kReciprocal, kTanh, kSigmoid, kErf, kSin, kCos,
  kGeluErf, kGeluTanh,
};
inline constexpr bool is_binary(ElementwiseOp op) { return static_cast<int>(op) < 32; }

// What a default-domain node computes, or nothing (another op, another domain, or a Gelu with an
// unreadable `approximate` attribute). Gelu maps to kGeluErf or kGeluTanh by that attribute.
// Arity is not checked: ONNX Min / Max are variadic, and callers that fuse two-operand ops check
// the input count themselves.
std::optional<ElementwiseOp> elementwise_op_of(const ir::Node& n);

}  // namespace actrt::ops
