// Turns an ACT model into a policy graph (`actrt build MODEL --policy`, docs/policy.md): the
// model's float inputs and normalized output are replaced by what a robot has and needs.
//
//   before: qpos f32 [1,S] (normalized), image f32 [1,N,3,H,W] (/255, CHW)
//           -> actions f32 [1,C,A] (normalized)
//   after:  <camera_1> .. <camera_N> u8 [H,W,3] (HWC, the contract's channel order),
//           qpos f32 [S] (robot units) -> actions f32 [C,A] (robot units)
//
// with ordinary graph operations in front and behind, which the backends run and fuse:
//   frames: Reshape [1,H,W,3] -> Concat (cameras, axis 0) -> Transpose [N,3,H,W] (still bytes)
//           -> Gather channels [2,1,0] (bgr8 only) -> Cast f32 -> Div 255 -> Reshape [1,N,3,H,W]
//   qpos:   Sub mean -> Div (std + eps)                  (mean_std; min_max / identity likewise)
//   output: Mul (std + eps) -> Add mean -> Reshape [C,A]
// The arithmetic is the one ACT's Python does in float32 (x / 255, (q - mean) / std,
// a * std + mean), so that a policy engine computes what the plain engine computes on inputs
// preprocessed in numpy.
#pragma once

#include "actrt/policy_contract.h"
#include "ir/graph.h"

namespace actrt::passes {

// The model's ACT inputs and output, found by rank (qpos rank 2, image rank 5, actions rank 3)
// and checked against `contract`; errors name the tensor, its shape and the contract's numbers.
// Sizes the contract leaves at 0 (image size, state / action dims, chunk size) are taken from
// the model first; then the contract is validated. Shapes must have been inferred.
Status add_policy_io(ir::Graph& graph, PolicyContract& contract);

}  // namespace actrt::passes
