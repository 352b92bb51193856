// Harness cases: normalizations (Softmax, LayerNormalization, BatchNormalization).
#pragma once

#include "op_case.h"

namespace actrt::op_harness {

inline CaseGraph softmax_case(uint32_t seed, Shape shape, int64_t axis) {
  CaseBuilder b;
  b.node("Softmax", {b.input(uniform(shape, seed, -3, 3))}, {{"axis", int_attr(axis)}});
  return b.finish();
}

inline CaseGraph layer_norm_case(uint32_t seed, Shape shape, int64_t axis, bool bias) {
  CaseBuilder b;
  ir::Value* x = b.input(uniform(shape, seed, -2, 3));
  const int64_t rank = int64_t(shape.size());
  Shape norm(shape.begin() + (axis < 0 ? axis + rank : axis), shape.end());
  std::vector<ir::Value*> ins = {x, b.constant(uniform(norm, seed + 1, 0.5f, 1.5f))};
  if (bias) ins.push_back(b.constant(uniform(norm, seed + 2)));
  b.node("LayerNormalization", ins, {{"axis", int_attr(axis)}, {"epsilon", float_attr(1e-5f)}});
  return b.finish();
}

inline void add_norm_cases(std::vector<OpCase>& out) {
  const Family f = Family::kAccumulate;
  out.push_back({"Softmax", "last_axis", f, [] { return softmax_case(301, {3, 5, 7}, -1); }});
  out.push_back({"Softmax", "axis1_of3", f, [] { return softmax_case(302, {3, 5, 7}, 1); }});
  out.push_back({"Softmax", "2d", f, [] { return softmax_case(303, {13, 37}, 1); }});
  out.push_back({"LayerNormalization", "last_axis", f, [] { return layer_norm_case(311, {3, 5, 37}, -1, true); }});
  out.push_back({"LayerNormalization", "two_axes_nobias", f, [] {
                   return layer_norm_case(312, {3, 5, 7}, 1, false);
                 }});
  out.push_back({"BatchNormalization", "", f, [] {
                   CaseBuilder b;
                   b.node("BatchNormalization",
                          {b.input(uniform({2, 5, 7, 3}, 321)), b.constant(uniform({5}, 322, 0.5f, 1.5f)),
                           b.constant(uniform({5}, 323)), b.constant(uniform({5}, 324)),
                           b.constant(uniform({5}, 325, 0.5f, 2.0f))},
                          {{"epsilon", float_attr(1e-5f)}});
                   return b.finish();
                 }});
}

}  // namespace actrt::op_harness
