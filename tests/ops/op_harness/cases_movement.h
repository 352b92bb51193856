// Harness cases: shape and data movement ops on runtime data with constant shape parameters
// (so the node is not folded and a kernel runs it).
#pragma once

#include "op_case.h"

namespace actrt::op_harness {

// `op` on a runtime 3x5x7 input followed by constant inputs `params`.
inline CaseGraph move_case(const std::string& op, uint32_t seed, std::vector<Tensor> params,
                           ir::AttributeMap attrs = {}, Shape shape = {3, 5, 7}, int outputs = 1) {
  CaseBuilder b;
  std::vector<ir::Value*> ins = {b.input(uniform(shape, seed))};
  for (Tensor& p : params) ins.push_back(p.empty() ? nullptr : b.constant(std::move(p)));
  b.node(op, ins, std::move(attrs), outputs);
  return b.finish();
}

inline void add_movement_cases(std::vector<OpCase>& out) {
  const Family m = Family::kMovement;
  out.push_back({"Transpose", "perm201", m, [] { return move_case("Transpose", 701, {}, {{"perm", ints({2, 0, 1})}}); }});
  out.push_back({"Transpose", "default_perm", m, [] { return move_case("Transpose", 702, {}); }});
  out.push_back({"Transpose", "4d_swap_inner", m, [] {
                   return move_case("Transpose", 703, {}, {{"perm", ints({0, 2, 1, 3})}}, {2, 3, 5, 7});
                 }});
  out.push_back({"Reshape", "infer_dim", m, [] { return move_case("Reshape", 711, {i64s({0, -1})}); }});
  out.push_back({"Reshape", "split_dim", m, [] { return move_case("Reshape", 712, {i64s({15, 7, 1})}); }});
  out.push_back({"Flatten", "axis1", m, [] { return move_case("Flatten", 721, {}, {{"axis", int_attr(1)}}); }});
  out.push_back({"Flatten", "axis_neg1", m, [] { return move_case("Flatten", 722, {}, {{"axis", int_attr(-1)}}); }});
  out.push_back({"Flatten", "axis0", m, [] { return move_case("Flatten", 723, {}, {{"axis", int_attr(0)}}); }});
  out.push_back({"Squeeze", "axis_neg2", m, [] { return move_case("Squeeze", 731, {i64s({-2})}, {}, {3, 1, 7}); }});
  out.push_back({"Squeeze", "all_ones", m, [] { return move_case("Squeeze", 732, {}, {}, {1, 5, 1, 7}); }});
  out.push_back({"Unsqueeze", "neg_axes", m, [] { return move_case("Unsqueeze", 741, {i64s({-1, 0})}); }});
  out.push_back({"Concat", "axis1_three", m, [] {
                   CaseBuilder b;
                   b.node("Concat", {b.input(uniform({3, 5, 7}, 751)), b.input(uniform({3, 2, 7}, 752)),
                                     b.input(uniform({3, 1, 7}, 753))},
                          {{"axis", int_attr(1)}});
                   return b.finish();
                 }});
  out.push_back({"Concat", "neg_axis_const", m, [] {
                   CaseBuilder b;
                   b.node("Concat", {b.input(uniform({3, 5, 7}, 754)), b.constant(uniform({3, 5, 2}, 755))},
                          {{"axis", int_attr(-1)}});
                   return b.finish();
                 }});
  out.push_back({"Split", "sizes_axis1", m, [] {
                   return move_case("Split", 761, {i64s({1, 3, 1})}, {{"axis", int_attr(1)}}, {3, 5, 7}, 3);
                 }});
  out.push_back({"Split", "equal_neg_axis", m, [] {
                   return move_case("Split", 762, {}, {{"axis", int_attr(-1)}}, {3, 5, 8}, 2);
                 }});
  out.push_back({"Slice", "steps", m, [] {
                   return move_case("Slice", 771, {i64s({1, 0}), i64s({5, 7}), i64s({1, 2}), i64s({1, 2})});
                 }});
  out.push_back({"Slice", "neg_step", m, [] {
                   return move_case("Slice", 772, {i64s({-1}), i64s({-100}), i64s({-1}), i64s({-2})});
                 }});
  out.push_back({"Slice", "clamped_ends", m, [] {
                   return move_case("Slice", 773, {i64s({1}), i64s({1000}), i64s({0})});
                 }});
  out.push_back({"Gather", "axis0_const_idx", m, [] {
                   return move_case("Gather", 781, {i64s({2, 0, -1, 1})}, {{"axis", int_attr(0)}});
                 }});
  out.push_back({"Gather", "axis1_scalar_idx", m, [] {
                   return move_case("Gather", 782, {i64_scalar(-2)}, {{"axis", int_attr(1)}});
                 }});
  out.push_back({"Gather", "runtime_idx", m, [] {
                   CaseBuilder b;
                   b.node("Gather", {b.input(uniform({11, 7}, 783)),
                                     b.input(integers({3, 4}, 784, 0, 10, DataType::kInt64))});
                   return b.finish();
                 }});
  out.push_back({"Expand", "bcast", m, [] { return move_case("Expand", 791, {i64s({2, 3, 5, 7})}, {}, {3, 1, 7}); }});
  out.push_back({"Tile", "repeats", m, [] { return move_case("Tile", 792, {i64s({2, 1, 3})}); }});
  out.push_back({"Pad", "constant", m, [] {
                   return move_case("Pad", 793, {i64s({0, 1, 2, 0, 2, 1}), f32_scalar(0.5f)});
                 }});
  out.push_back({"Pad", "reflect", m, [] {
                   return move_case("Pad", 794, {i64s({0, 2, 1, 0, 1, 3})}, {{"mode", str("reflect")}});
                 }});
  out.push_back({"Pad", "edge", m, [] {
                   return move_case("Pad", 795, {i64s({1, 0, 2, 0, 3, 1})}, {{"mode", str("edge")}});
                 }});
}

}  // namespace actrt::op_harness
