// Harness cases: shape computation and constants. Shapes are static in actrt, so these nodes
// fold to constants at build time (expectations.h says so); the cases check the folded values.
#pragma once

#include "op_case.h"

namespace actrt::op_harness {

inline void add_shape_cases(std::vector<OpCase>& out) {
  const Family m = Family::kMovement;
  out.push_back({"Shape", "", m, [] {
                   CaseBuilder b;
                   b.node("Shape", {b.input(uniform({3, 5, 7}, 801))});
                   return b.finish();
                 }});
  out.push_back({"Shape", "start_end", m, [] {
                   CaseBuilder b;
                   b.node("Shape", {b.input(uniform({3, 5, 7}, 802))}, {{"start", int_attr(-2)}, {"end", int_attr(3)}});
                   return b.finish();
                 }});
  out.push_back({"ConstantOfShape", "", m, [] {
                   CaseBuilder b;
                   b.node("ConstantOfShape", {b.constant(i64s({3, 5, 7}))},
                          {{"value", ir::Attribute::from_tensor(f32_scalar(1.5f).reshaped({1}).value())}});
                   return b.finish();
                 }});
  out.push_back({"Range", "", m, [] {
                   CaseBuilder b;
                   b.node("Range", {b.constant(f32_scalar(-1.5f)), b.constant(f32_scalar(4.0f)),
                                    b.constant(f32_scalar(0.75f))});
                   return b.finish();
                 }});
  out.push_back({"Constant", "", m, [] {
                   CaseBuilder b;
                   b.node("Constant", {}, {{"value", ir::Attribute::from_tensor(uniform({3, 5}, 803))}});
                   return b.finish();
                 }});
}

}  // namespace actrt::op_harness
