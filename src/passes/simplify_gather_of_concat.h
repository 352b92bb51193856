// simplify_gather_of_concat: reads a selected part of a Concat directly.
//
// Matches, where the data input comes from a Concat along axis c of computed tensors
// x_0..x_{n-1} with static shapes, and the selectors are constants:
//   - Gather(Concat, indices, axis=c) with every index inside one x_k:
//       x_k is Unsqueeze(y, axes=[c]) and the index is a scalar  -> y   (torch 1.13 "stack")
//       x_k has size 1 along c and the index is a scalar        -> Squeeze(x_k, [c])
//       the indices select all of x_k in order                  -> x_k
//       otherwise                                               -> Gather(x_k, indices - offset_k)
//   - Slice(Concat, ...) whose range along c lies inside one x_k (step 1 along c):
//       x_k itself when the slice takes all of x_k and nothing on other axes, else the same
//       Slice applied to x_k with the start/end along c shifted by offset_k.
//   - Split(Concat, axis=c): each output whose range lies inside one x_k becomes x_k (whole
//     part) or a Slice of x_k.
//   - Gather or Slice of Transpose(Concat) (the transpose read by nothing else) is first pushed
//     below the Transpose (selecting along perm[axis] of the Concat), then simplified as above.
//     ACT does exactly this: decoder -> stack -> transpose(1, 2) -> [0].
// Why it is exact: Concat only places its inputs side by side, so the selected elements are
// the same elements of x_k, copied by the same data-movement ops; nothing is computed anew.
// On ACT the Concat then has no readers and eliminate_dead removes decoder layers 1..6.
#pragma once

#include "actrt/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace actrt::passes {

Result<PassReport> simplify_gather_of_concat(ir::Graph& graph);

}  // namespace actrt::passes
