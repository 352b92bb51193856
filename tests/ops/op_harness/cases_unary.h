// Harness cases: unary elementwise ops, each on a 3x5x7 input inside the op's domain.
#pragma once

#include "op_case.h"

namespace actrt::op_harness {

// `op` on one seeded input of [lo, hi) (kept `away` from zero where asked).
inline CaseGraph unary_case(const std::string& op, uint32_t seed, float lo, float hi, float away = 0,
                            ir::AttributeMap attrs = {}) {
  CaseBuilder b;
  b.node(op, {b.input(uniform({3, 5, 7}, seed, lo, hi, away))}, std::move(attrs));
  return b.finish();
}

inline void add_unary_cases(std::vector<OpCase>& out) {
  const Family e = Family::kElementwise, t = Family::kTranscendental, m = Family::kMovement;
  out.push_back({"Relu", "", m, [] { return unary_case("Relu", 401, -1, 1); }});
  out.push_back({"Neg", "", m, [] { return unary_case("Neg", 402, -1, 1); }});
  out.push_back({"Abs", "", m, [] { return unary_case("Abs", 403, -1, 1); }});
  out.push_back({"Exp", "", t, [] { return unary_case("Exp", 404, -3, 3); }});
  out.push_back({"Log", "", t, [] { return unary_case("Log", 405, 0.05f, 4); }});
  out.push_back({"Erf", "", t, [] { return unary_case("Erf", 406, -2, 2); }});
  out.push_back({"Tanh", "", t, [] { return unary_case("Tanh", 407, -3, 3); }});
  out.push_back({"Sigmoid", "", t, [] { return unary_case("Sigmoid", 408, -4, 4); }});
  out.push_back({"Gelu", "", t, [] { return unary_case("Gelu", 409, -3, 3); }});
  out.push_back({"Gelu", "tanh", t, [] {
                   return unary_case("Gelu", 410, -3, 3, 0, {{"approximate", str("tanh")}});
                 }});
  out.push_back({"Sqrt", "", e, [] { return unary_case("Sqrt", 411, 0.01f, 4); }});
  out.push_back({"Reciprocal", "", e, [] { return unary_case("Reciprocal", 412, -2, 2, 0.25f); }});
  out.push_back({"Sin", "", t, [] { return unary_case("Sin", 413, -4, 4); }});
  out.push_back({"Cos", "", t, [] { return unary_case("Cos", 414, -4, 4); }});
  out.push_back({"Not", "", Family::kCompare, [] {
                   CaseBuilder b;
                   b.node("Not", {b.input(integers({3, 5, 7}, 415, 0, 1, DataType::kBool))});
                   return b.finish();
                 }});
  out.push_back({"Clip", "min_max", m, [] {
                   CaseBuilder b;
                   b.node("Clip", {b.input(uniform({3, 5, 7}, 416, -2, 2)), b.constant(f32_scalar(-0.5f)),
                                   b.constant(f32_scalar(0.75f))});
                   return b.finish();
                 }});
  out.push_back({"Clip", "min_only", m, [] {
                   CaseBuilder b;
                   b.node("Clip", {b.input(uniform({3, 5, 7}, 417, -2, 2)), b.constant(f32_scalar(0.1f))});
                   return b.finish();
                 }});
  out.push_back({"Cast", "to_f16", e, [] {
                   return unary_case("Cast", 418, -3, 3, 0,
                                     {{"to", int_attr(10)}});  // TensorProto FLOAT16
                 }});
  out.push_back({"Cast", "to_i64", m, [] {
                   // k + 0.5: exact in FP16 too, so truncation gives the same integer there.
                   Tensor x = integers({3, 5, 7}, 419, -9, 9, DataType::kFloat32);
                   for (float& v : x.span<float>()) v += 0.5f;
                   CaseBuilder b;
                   b.node("Cast", {b.input(std::move(x))}, {{"to", int_attr(7)}});  // INT64
                   return b.finish();
                 }});
  out.push_back({"Cast", "i64_to_f32", m, [] {
                   CaseBuilder b;
                   b.node("Cast", {b.input(integers({3, 5, 7}, 420, -50, 50, DataType::kInt64))},
                          {{"to", int_attr(1)}});
                   return b.finish();
                 }});
  out.push_back({"Identity", "", m, [] { return unary_case("Identity", 421, -1, 1); }});
  out.push_back({"Dropout", "inference", m, [] { return unary_case("Dropout", 422, -1, 1); }});
}

}  // namespace actrt::op_harness
