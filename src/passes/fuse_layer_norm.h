// fuse_layer_norm: recognizes a decomposed LayerNorm over the last axis.
//
// Matches (torch 1.13's export of nn.LayerNorm and of hand-written layer norms):
//   mean = ReduceMean(x, axes=[-1], keepdims=1)
//   d    = Sub(x, mean)
//   sq   = Pow(d, 2)                 or Mul(d, d)
//   var  = ReduceMean(sq, axes=[-1], keepdims=1)
//   sd   = Sqrt(Add(var, eps))       (eps a constant scalar, either operand order)
//   n    = Div(d, sd)                or Mul(d, Reciprocal(sd))
//   y    = Add(Mul(n, gamma), beta)  (Mul and Add each optional; gamma / beta constants that
//                                     vary along the last dim only)
// with x f32 of static shape, and every intermediate read by nothing but the next step of the
// pattern (d by exactly the square and the division) and not a graph output.
// Rewrite: LayerNormalization(x, gamma or ones, beta, axis=-1, epsilon=eps) producing y (y
// keeps its name).
// Why it is exact: it is the ONNX definition of LayerNormalization (population variance, eps
// inside the square root, over the last axis), so only rounding differs.
#pragma once

#include "actrt/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace actrt::passes {

Result<PassReport> fuse_layer_norm(ir::Graph& graph);

}  // namespace actrt::passes
