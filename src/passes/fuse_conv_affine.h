// fuse_conv_affine: folds per-channel affine ops that follow a Conv into its weight and bias.
//
// Matches: Conv(x, W[, B]) with constant f32 W (and B), whose output y is read only by one node,
// which is one of
//   Mul(y, s) / Mul(s, y)        W' = W * s[m]        B' = B * s[m]
//   Div(y, s)                    W' = W / s[m]        B' = B / s[m]
//   Add(y, t) / Add(t, y)        B' = B + t[m]
//   Sub(y, t)                    B' = B - t[m]
//   Sub(t, y)                    W' = -W              B' = t[m] - B
//   BatchNormalization(y, g, b, mean, var) in inference form (one output):
//                                s = g / sqrt(var + eps), W' = W * s[m], B' = (B - mean) * s + b
// where s / t are constants that broadcast per output channel: a scalar, or a shape whose
// right-aligned dims are all 1 except the channel dim (for 2-D: [M,1,1], [1,M,1,1], [1]).
// A missing bias is created. The folded op's output becomes the Conv's output (it keeps its
// name), repeatedly, so ACT's frozen BatchNorm (Mul then Add after constant folding) becomes one
// Conv with bias.
// Why it is exact: the Conv is linear in W and affine in B per output channel m, so
// (conv(x, W) + B)[m] * s[m] + t[m] == conv(x, W * s[m]) + (B[m] * s[m] + t[m]); only float
// rounding differs (products are computed in double, rounded once to f32).
// Folded weights are shared: convs that share W (ACT runs one ResNet trunk per camera) and fold
// the same constants get the same new W' and B'.
#pragma once

#include "actrt/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace actrt::passes {

Result<PassReport> fuse_conv_affine(ir::Graph& graph);

}  // namespace actrt::passes
