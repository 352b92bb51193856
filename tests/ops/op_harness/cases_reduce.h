// Harness cases: reductions (axes, keepdims, negative axes) and CumSum.
#pragma once

#include "op_case.h"

namespace actrt::op_harness {

// ReduceMean / ReduceMax take axes as an attribute at opset 17, ReduceSum as an input.
inline CaseGraph reduce_case(const std::string& op, uint32_t seed, std::vector<int64_t> axes,
                             int64_t keepdims) {
  CaseBuilder b;
  ir::Value* x = b.input(uniform({3, 5, 7}, seed));
  ir::AttributeMap attrs = {{"keepdims", int_attr(keepdims)}};
  if (op == "ReduceSum") {
    b.node(op, {x, b.constant(i64s(axes))}, std::move(attrs));
  } else {
    attrs["axes"] = ints(axes);
    b.node(op, {x}, std::move(attrs));
  }
  return b.finish();
}

inline CaseGraph cumsum_case(uint32_t seed, int64_t axis, int64_t exclusive, int64_t reverse) {
  CaseBuilder b;
  b.node("CumSum", {b.input(uniform({3, 5, 7}, seed)), b.constant(i64_scalar(axis))},
         {{"exclusive", int_attr(exclusive)}, {"reverse", int_attr(reverse)}});
  return b.finish();
}

inline void add_reduce_cases(std::vector<OpCase>& out) {
  uint32_t seed = 601;
  for (const char* op : {"ReduceMean", "ReduceSum", "ReduceMax"}) {
    const std::string o = op;
    const Family f = o == "ReduceMax" ? Family::kMovement : Family::kAccumulate;
    out.push_back({o, "last_keepdims", f, [=] { return reduce_case(o, seed, {-1}, 1); }});
    out.push_back({o, "axes02", f, [=] { return reduce_case(o, seed + 1, {0, 2}, 0); }});
    out.push_back({o, "middle_neg", f, [=] { return reduce_case(o, seed + 2, {-2}, 0); }});
    seed += 10;
  }
  const Family f = Family::kAccumulate;
  out.push_back({"CumSum", "axis1", f, [] { return cumsum_case(631, 1, 0, 0); }});
  out.push_back({"CumSum", "last_exclusive", f, [] { return cumsum_case(632, -1, 1, 0); }});
  out.push_back({"CumSum", "reverse", f, [] { return cumsum_case(633, 0, 0, 1); }});
}

}  // namespace actrt::op_harness
