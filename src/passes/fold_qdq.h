// fold_qdq: explicit quantization (Q/DQ ONNX models) folded into per-tensor activation scales,
// so that a backend with INT8 kernels runs the quantized Conv / MatMul / Gemm as real INT8.
//
// Matches a pair QuantizeLinear(x, s, zp) -> DequantizeLinear(q, s, zp) on an f32 activation x
// where both scales are the same positive finite scalar constant and both zero points are int8
// constants equal to 0 (symmetric int8, the only scheme actrt's INT8 kernels implement).
// Rewrite: every reader of the DequantizeLinear output reads x instead; the pair is removed
// (the QuantizeLinear too when nothing else reads q); scales[x] = s. The scale then follows x
// through views that do not change values (Reshape, Flatten, Squeeze, Unsqueeze, Transpose), so
// that a MatMul that fuse_matmul_add rewrote into Reshape -> Gemm finds the scale on its input.
//
// What is not folded stays in the graph and runs on the reference Q/DQ kernels, exactly (with a
// [W] naming the node): a non-zero or uint8 zero point (asymmetric), a per-axis activation
// scale, scales that differ between Q and DQ, a DequantizeLinear output that is a graph output.
//
// Weights: DequantizeLinear(int8 constant W, per-channel scales) has constant inputs, so shape
// inference already folded it into an f32 constant whose values are q * s. The INT8 lowering
// re-derives the scales as max |w| / 127 per channel, which gives back the model's int8 values
// exactly when every channel's max |q| is 127 (actrt quantize and max-calibrated models);
// see docs/quantization.md.
//
// Semantics: the folded graph no longer rounds x to the int8 grid; a reader that then runs in
// INT8 rounds it with the same scale (identical result), a reader that runs in floating point
// sees the unrounded x (more accurate than the Q/DQ model, not bit-identical to it).
//
// Not in the default pipeline: the CPU backend calls it in compile(), because a backend without
// INT8 kernels must keep the Q/DQ semantics.
#pragma once

#include <map>
#include <string>

#include "actrt/status.h"
#include "ir/graph.h"

namespace actrt::passes {

struct QdqFold {
  std::map<std::string, float> scales;  // activation tensor -> scale, from the model's Q/DQ
  int pairs = 0;                        // Q/DQ pairs removed
};

Result<QdqFold> fold_qdq(ir::Graph& graph);

}  // namespace actrt::passes
