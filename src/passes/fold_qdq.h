// fold_qdq: explicit quantization (Q/DQ ONNX models) folded into per-tensor activation scales,
// so that a backend with INT8 kernels runs the quantized Conv / MatMul / Gemm as real INT8.
//
// Matches a pair QuantizeLinear(x, s, zp) -> DequantizeLinear(q, s, zp) on an f32 activation x
// where both scales are the same positive finite scalar constant and both zero points are int8
// constants equal to 0 (symmetric int8, the only scheme actrt's INT8 kernels implement).
// Rewrite: every reader of the DequantizeLinear output that quantizes x itself when it runs INT8
// reads x instead, and scales[x] = s. Such a reader is a Conv / MatMul / Gemm reading it as
// input 0 with a constant input 1 (a weight), or a view (Reshape, Flatten, Squeeze, Unsqueeze,
// Transpose) all of whose readers are such, so that a MatMul that fuse_matmul_add rewrote into
// Reshape -> Gemm still qualifies. The pair is removed when no other reader is left (the
// QuantizeLinear too when nothing else reads q). The scale then follows x through views.
//
// Any other reader keeps reading the DequantizeLinear output, so that the graph keeps the
// model's exact semantics there (ONNX Runtime's, the reference kernels'): a product of two
// activations (attention's Q x K^T, softmax x V), which backends run in floating point, still
// sees x rounded and clipped to the model's int8 grid. Pairs with no such reader stay whole (one
// [I] line counts them). What is not folded at all stays in the graph and runs on the reference
// Q/DQ kernels, exactly (with a [W] naming the node): a non-zero or uint8 zero point
// (asymmetric), a per-axis activation scale, scales that differ between Q and DQ, a
// DequantizeLinear output that is a graph output.
//
// Weights: DequantizeLinear(int8 constant W, per-channel scales) has constant inputs, so shape
// inference already folded it into an f32 constant whose values are q * s. The INT8 lowering
// re-derives the scales as max |w| / 127 per channel, which gives back the model's int8 values
// exactly when every channel's max |q| is 127 (actrt quantize and max-calibrated models);
// see docs/quantization.md.
//
// Semantics: a folded reader that runs in INT8 rounds x with the same scale (identical result);
// one that a backend still runs in floating point (e.g. `--layer-precisions NAME:fp32`) sees the
// unrounded x (more accurate than the Q/DQ model, not bit-identical to it).
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
  int pairs = 0;  // Q/DQ pairs folded into a scale (for all of their readers, or for some)
  int kept = 0;   // Q/DQ pairs still in the graph (not foldable, or read in floating point too)
};

Result<QdqFold> fold_qdq(ir::Graph& graph);

}  // namespace actrt::passes
