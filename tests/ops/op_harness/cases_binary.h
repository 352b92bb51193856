// Harness cases: binary / variadic elementwise ops with broadcasting, comparisons and Where.
#pragma once

#include "op_case.h"

namespace actrt::op_harness {

// `op`(a, b) with a of `sa` and b of `sb` (numpy broadcasting), inputs in [lo, hi).
inline CaseGraph binary_case(const std::string& op, uint32_t seed, Shape sa, Shape sb, float lo = -1,
                             float hi = 1, float away_b = 0) {
  CaseBuilder b;
  ir::Value* x = b.input(uniform(sa, seed, lo, hi));
  ir::Value* y = b.input(uniform(sb, seed + 1, lo, hi, away_b));
  b.node(op, {x, y});
  return b.finish();
}

// Same shapes, a row / column broadcast, and a rank-lowering broadcast for each arithmetic op.
inline void add_arith_variants(std::vector<OpCase>& out, const std::string& op, uint32_t seed,
                               Family f, float lo, float hi, float away_b = 0) {
  out.push_back({op, "same", f, [=] { return binary_case(op, seed, {3, 5, 7}, {3, 5, 7}, lo, hi, away_b); }});
  out.push_back({op, "bcast_col", f, [=] { return binary_case(op, seed + 2, {3, 5, 7}, {5, 1}, lo, hi, away_b); }});
  out.push_back({op, "bcast_both", f, [=] { return binary_case(op, seed + 4, {3, 1, 7}, {5, 1}, lo, hi, away_b); }});
}

inline CaseGraph compare_case(const std::string& op, uint32_t seed, Shape sa, Shape sb) {
  CaseBuilder b;
  // Small integers as floats: ties happen, so Equal is true somewhere and false elsewhere.
  b.node(op, {b.input(integers(sa, seed, -2, 2, DataType::kFloat32)),
              b.input(integers(sb, seed + 1, -2, 2, DataType::kFloat32))});
  return b.finish();
}

inline void add_binary_cases(std::vector<OpCase>& out) {
  const Family e = Family::kElementwise, m = Family::kMovement;
  add_arith_variants(out, "Add", 501, e, -1, 1);
  add_arith_variants(out, "Sub", 511, e, -1, 1);
  add_arith_variants(out, "Mul", 521, e, -1, 1);
  add_arith_variants(out, "Div", 531, e, -1, 1, 0.25f);
  add_arith_variants(out, "Pow", 541, Family::kTranscendental, 0.1f, 2);
  add_arith_variants(out, "Min", 551, m, -1, 1);
  add_arith_variants(out, "Max", 561, m, -1, 1);
  out.push_back({"Max", "variadic3", m, [] {
                   CaseBuilder b;
                   b.node("Max", {b.input(uniform({3, 5, 7}, 571)), b.input(uniform({7}, 572)),
                                  b.input(uniform({5, 1}, 573))});
                   return b.finish();
                 }});
  out.push_back({"Add", "const_bias", e, [] {
                   CaseBuilder b;
                   b.node("Add", {b.input(uniform({3, 5, 7}, 574)), b.constant(uniform({7}, 575))});
                   return b.finish();
                 }});
  for (const char* op : {"Equal", "Less", "Greater"}) {
    const std::string o = op;
    const uint32_t seed = 580 + 4 * uint32_t(o.size());
    out.push_back({o, "same", Family::kCompare, [=] { return compare_case(o, seed, {3, 5, 7}, {3, 5, 7}); }});
    out.push_back({o, "bcast", Family::kCompare, [=] { return compare_case(o, seed + 2, {3, 5, 7}, {5, 1}); }});
  }
  out.push_back({"Where", "bcast", m, [] {
                   CaseBuilder b;
                   b.node("Where", {b.input(integers({3, 5, 7}, 591, 0, 1, DataType::kBool)),
                                    b.input(uniform({5, 7}, 592)), b.input(uniform({3, 1, 7}, 593))});
                   return b.finish();
                 }});
  out.push_back({"Where", "const_fill", m, [] {
                   CaseBuilder b;
                   b.node("Where", {b.input(integers({3, 5, 7}, 594, 0, 1, DataType::kBool)),
                                    b.input(uniform({3, 5, 7}, 595)), b.constant(f32_scalar(-1e4f))});
                   return b.finish();
                 }});
}

}  // namespace actrt::op_harness
