// Parameters of data-movement ops that both shape inference and kernels need (Slice, Pad).
//
// Resolving them in one place keeps the clamping rules of the ONNX spec in exactly one copy.
#pragma once

#include <cstdint>
#include <string>

#include "actrt/status.h"
#include "actrt/tensor.h"
#include "ir/graph.h"

namespace actrt::ops {

// One entry per dimension of the data (dims that the Slice does not name get start 0, step 1).
struct SliceParams {
  Shape starts;  // clamped first index taken
  Shape steps;   // non-zero; negative walks backwards
  Shape out;     // output shape
};

// Slice (opset >= 10): starts / ends / axes / steps are the constant tensors of inputs 1..4
// (axes and steps may be nullptr). Clamps exactly as the ONNX spec says.
Result<SliceParams> resolve_slice(const ir::Node& node, const Shape& data, const Tensor& starts,
                                  const Tensor& ends, const Tensor* axes, const Tensor* steps);

enum class PadMode { kConstant, kReflect, kEdge };

struct PadParams {
  PadMode mode = PadMode::kConstant;
  Shape begin;  // per data dimension; negative values crop
  Shape end;
  Shape out;
};

// Pad (opset >= 11): `pads` is input 1, `axes` input 3 (opset 18, may be nullptr).
Result<PadParams> resolve_pad(const ir::Node& node, const Shape& data, const Tensor& pads,
                              const Tensor* axes);

}  // namespace actrt::ops
