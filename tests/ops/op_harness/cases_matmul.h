// Harness cases: matrix products (MatMul, Gemm) and explicit quantization (Q/DQ).
#pragma once

#include "op_case.h"

namespace actrt::op_harness {

// MatMul a @ b; a constant b is how models carry weights (and what fast kernels want).
inline CaseGraph matmul_case(uint32_t seed, Shape a, Shape bs, bool b_constant) {
  CaseBuilder b;
  ir::Value* x = b.input(uniform(a, seed));
  ir::Value* w = b_constant ? b.constant(uniform(bs, seed + 1)) : b.input(uniform(bs, seed + 1));
  b.node("MatMul", {x, w});
  return b.finish();
}

// Gemm of [M, K] (or transposed) with constant B and optional C of shape `c`.
inline CaseGraph gemm_case(uint32_t seed, int64_t ta, int64_t tb, Shape c, float alpha, float beta) {
  const int64_t m = 13, k = 37, n = 19;
  CaseBuilder b;
  ir::Value* a = b.input(uniform(ta ? Shape{k, m} : Shape{m, k}, seed));
  ir::Value* w = b.constant(uniform(tb ? Shape{n, k} : Shape{k, n}, seed + 1));
  std::vector<ir::Value*> ins = {a, w};
  if (!c.empty() || beta != 0) ins.push_back(b.constant(uniform(c, seed + 2)));
  b.node("Gemm", ins,
         {{"transA", int_attr(ta)}, {"transB", int_attr(tb)}, {"alpha", float_attr(alpha)},
          {"beta", float_attr(beta)}});
  return b.finish();
}

inline void add_matmul_cases(std::vector<OpCase>& out) {
  const Family f = Family::kAccumulate;
  out.push_back({"MatMul", "2d_const", f, [] { return matmul_case(201, {13, 37}, {37, 19}, true); }});
  out.push_back({"MatMul", "3d_const", f, [] { return matmul_case(202, {3, 5, 7}, {7, 9}, true); }});
  out.push_back({"MatMul", "batched_bcast", f, [] {
                   return matmul_case(203, {2, 3, 5, 7}, {3, 7, 4}, false);
                 }});
  out.push_back({"MatMul", "vec_rhs", f, [] { return matmul_case(204, {3, 5, 7}, {7}, false); }});
  out.push_back({"Gemm", "plain", f, [] { return gemm_case(211, 0, 0, {}, 1.0f, 0.0f); }});
  out.push_back({"Gemm", "transB_bias", f, [] { return gemm_case(212, 0, 1, {19}, 1.0f, 1.0f); }});
  out.push_back({"Gemm", "transA_alpha_beta", f, [] {
                   return gemm_case(213, 1, 0, {13, 19}, 0.5f, 2.0f);
                 }});
  out.push_back({"Gemm", "transAB_scalar_c", f, [] { return gemm_case(214, 1, 1, {1}, 1.5f, 0.5f); }});

  out.push_back({"QuantizeLinear", "per_tensor", Family::kQuantize, [] {
                   CaseBuilder b;
                   b.node("QuantizeLinear",
                          {b.input(uniform({3, 5, 7}, 221, -2, 2)), b.constant(f32_scalar(0.02f)),
                           b.constant(Tensor::from_vector(DataType::kInt8, {}, std::vector<int8_t>{3}))});
                   return b.finish();
                 }});
  out.push_back({"QuantizeLinear", "per_axis", Family::kQuantize, [] {
                   CaseBuilder b;
                   b.node("QuantizeLinear",
                          {b.input(uniform({3, 5, 7}, 222, -2, 2)), b.constant(uniform({5}, 223, 0.01f, 0.03f)),
                           b.constant(integers({5}, 224, -4, 4, DataType::kInt8))},
                          {{"axis", int_attr(1)}});
                   return b.finish();
                 }});
  out.push_back({"DequantizeLinear", "per_tensor", Family::kQuantize, [] {
                   CaseBuilder b;
                   b.node("DequantizeLinear",
                          {b.input(integers({3, 5, 7}, 225, -128, 127, DataType::kInt8)),
                           b.constant(f32_scalar(0.02f)),
                           b.constant(Tensor::from_vector(DataType::kInt8, {}, std::vector<int8_t>{-2}))});
                   return b.finish();
                 }});
  out.push_back({"DequantizeLinear", "per_axis", Family::kQuantize, [] {
                   CaseBuilder b;
                   b.node("DequantizeLinear",
                          {b.input(integers({3, 5, 7}, 226, -128, 127, DataType::kInt8)),
                           b.constant(uniform({7}, 227, 0.01f, 0.03f))},
                          {{"axis", int_attr(-1)}});
                   return b.finish();
                 }});
}

}  // namespace actrt::op_harness
