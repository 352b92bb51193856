// Harness cases: convolution and pooling (strides, pads, dilations, groups, ceil mode).
#pragma once

#include "op_case.h"

namespace actrt::op_harness {

// Conv on a 2x6x11x9 input with `attrs`; weights [7 or groups-divisible, 6/group, k, k].
inline CaseGraph conv_case(uint32_t seed, int64_t out_c, int64_t group, int64_t k, bool bias,
                           ir::AttributeMap attrs) {
  CaseBuilder b;
  ir::Value* x = b.input(uniform({2, 6, 11, 9}, seed));
  std::vector<ir::Value*> ins = {x, b.constant(uniform({out_c, 6 / group, k, k}, seed + 1))};
  if (bias) ins.push_back(b.constant(uniform({out_c}, seed + 2)));
  if (group != 1) attrs["group"] = int_attr(group);
  b.node("Conv", ins, std::move(attrs));
  return b.finish();
}

inline CaseGraph pool_case(const std::string& op, uint32_t seed, ir::AttributeMap attrs) {
  CaseBuilder b;
  b.node(op, {b.input(uniform({2, 5, 11, 9}, seed))}, std::move(attrs));
  return b.finish();
}

inline void add_conv_pool_cases(std::vector<OpCase>& out) {
  const Family f = Family::kAccumulate;
  out.push_back({"Conv", "3x3_pad1_bias", f, [] {
                   return conv_case(101, 7, 1, 3, true, {{"pads", ints({1, 1, 1, 1})}});
                 }});
  out.push_back({"Conv", "stride2", f, [] {
                   return conv_case(102, 7, 1, 3, true,
                                    {{"pads", ints({1, 0, 1, 2})}, {"strides", ints({2, 2})}});
                 }});
  out.push_back({"Conv", "dilation2", f, [] {
                   return conv_case(103, 5, 1, 3, true,
                                    {{"pads", ints({2, 2, 2, 2})}, {"dilations", ints({2, 2})}});
                 }});
  out.push_back({"Conv", "groups3", f, [] {
                   return conv_case(104, 9, 3, 3, true, {{"pads", ints({1, 1, 1, 1})}});
                 }});
  out.push_back({"Conv", "depthwise", f, [] {
                   return conv_case(105, 6, 6, 3, false, {{"pads", ints({1, 1, 1, 1})}});
                 }});
  out.push_back({"Conv", "1x1_nobias", f, [] { return conv_case(106, 7, 1, 1, false, {}); }});
  out.push_back({"Conv", "same_upper", f, [] {
                   return conv_case(107, 4, 1, 4, true,
                                    {{"auto_pad", str("SAME_UPPER")}, {"strides", ints({2, 2})}});
                 }});

  out.push_back({"MaxPool", "k3s2p1", Family::kMovement, [] {
                   return pool_case("MaxPool", 111, {{"kernel_shape", ints({3, 3})},
                                                     {"strides", ints({2, 2})},
                                                     {"pads", ints({1, 1, 1, 1})}});
                 }});
  out.push_back({"MaxPool", "ceil", Family::kMovement, [] {
                   return pool_case("MaxPool", 112, {{"kernel_shape", ints({3, 2})},
                                                     {"strides", ints({2, 2})},
                                                     {"ceil_mode", int_attr(1)}});
                 }});
  out.push_back({"AveragePool", "k3s2p1_exclude_pad", f, [] {
                   return pool_case("AveragePool", 113, {{"kernel_shape", ints({3, 3})},
                                                         {"strides", ints({2, 2})},
                                                         {"pads", ints({1, 1, 1, 1})}});
                 }});
  out.push_back({"AveragePool", "include_pad", f, [] {
                   return pool_case("AveragePool", 114, {{"kernel_shape", ints({2, 3})},
                                                         {"pads", ints({1, 0, 0, 1})},
                                                         {"count_include_pad", int_attr(1)}});
                 }});
  out.push_back({"AveragePool", "ceil", f, [] {
                   return pool_case("AveragePool", 115, {{"kernel_shape", ints({3, 3})},
                                                         {"strides", ints({2, 2})},
                                                         {"ceil_mode", int_attr(1)}});
                 }});
  out.push_back({"GlobalAveragePool", "", f, [] { return pool_case("GlobalAveragePool", 116, {}); }});
}

}  // namespace actrt::op_harness
