// MatMul (numpy semantics: 1-D operands, batch broadcasting) and Gemm against naive loops.
#include <gtest/gtest.h>

#include "single_node_runner.h"

namespace actrt {
namespace {

using single_node_test::f32;
using single_node_test::int_attr;
using single_node_test::random_f32;
using single_node_test::SingleNode;

Result<Tensor> matmul(const Tensor& a, const Tensor& b) {
  SingleNode node("MatMul");
  node.input(a).input(b);
  auto out = node.run();
  if (!out.ok()) return out.status();
  return out.value()[0];
}

TEST(MathLinalg, MatMulHandValues) {
  // [[1 2 3] [4 5 6]] @ [[1 0] [0 1] [1 1]] = [[4 5] [10 11]]
  auto y = matmul(f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({3, 2}, {1, 0, 0, 1, 1, 1}));
  ASSERT_TRUE(y.ok()) << y.status().to_string();
  ASSERT_EQ(y->shape(), (Shape{2, 2}));
  const float want[] = {4, 5, 10, 11};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(y->data<float>()[i], want[i]);
}

TEST(MathLinalg, MatMulOneDimensionalOperands) {
  const Tensor v = f32({3}, {1, 2, 3});
  const Tensor m = f32({3, 2}, {1, 0, 0, 1, 1, 1});
  auto vm = matmul(v, m);  // [3] @ [3,2] -> [2]
  ASSERT_TRUE(vm.ok()) << vm.status().to_string();
  ASSERT_EQ(vm->shape(), (Shape{2}));
  EXPECT_EQ(vm->data<float>()[0], 4);
  EXPECT_EQ(vm->data<float>()[1], 5);
  auto mv = matmul(f32({2, 3}, {1, 2, 3, 4, 5, 6}), v);  // [2,3] @ [3] -> [2]
  ASSERT_TRUE(mv.ok());
  ASSERT_EQ(mv->shape(), (Shape{2}));
  EXPECT_EQ(mv->data<float>()[1], 32);
  auto vv = matmul(v, v);  // dot product -> scalar
  ASSERT_TRUE(vv.ok());
  ASSERT_EQ(vv->shape(), Shape{});
  EXPECT_EQ(vv->data<float>()[0], 14);
}

TEST(MathLinalg, MatMulBatchBroadcastRandom) {
  const Tensor a = random_f32({2, 1, 3, 4}, 41);
  const Tensor b = random_f32({5, 4, 7}, 42);
  auto y = matmul(a, b);
  ASSERT_TRUE(y.ok()) << y.status().to_string();
  ASSERT_EQ(y->shape(), (Shape{2, 5, 3, 7}));
  for (int p = 0; p < 2; ++p)
    for (int q = 0; q < 5; ++q)
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 7; ++j) {
          double acc = 0;
          for (int k = 0; k < 4; ++k)
            acc += double(a.data<float>()[(p * 3 + i) * 4 + k]) * b.data<float>()[(q * 4 + k) * 7 + j];
          ASSERT_NEAR(y->data<float>()[((p * 5 + q) * 3 + i) * 7 + j], acc, 1e-5);
        }
}

TEST(MathLinalg, MatMulIntegerAndErrors) {
  auto y = matmul(Tensor::from_vector(DataType::kInt64, {1, 2}, std::vector<int64_t>{3000000000, 2}),
                  Tensor::from_vector(DataType::kInt64, {2, 1}, std::vector<int64_t>{3, -5}));
  ASSERT_TRUE(y.ok()) << y.status().to_string();
  EXPECT_EQ(y->data<int64_t>()[0], 8999999990LL);

  SingleNode bad("MatMul");
  bad.input(random_f32({2, 3}, 1)).input(random_f32({4, 5}, 2));
  Status s = bad.infer();
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel);
  EXPECT_NE(s.message().find("MatMul 'node0': inner dimensions differ: A is 2x3, B is 4x5"),
            std::string::npos)
      << s.message();
  SingleNode batch("MatMul");
  batch.input(random_f32({2, 3, 4}, 1)).input(random_f32({3, 4, 5}, 2));
  EXPECT_FALSE(batch.infer().ok());
}

TEST(MathLinalg, GemmTransposedWithVectorBias) {
  const int m = 3, k = 5, n = 4;
  const Tensor a = random_f32({k, m}, 43);  // transA
  const Tensor b = random_f32({n, k}, 44);  // transB
  const Tensor c = random_f32({n}, 45);
  SingleNode node("Gemm");
  node.input(a).input(b).input(c)
      .attr("transA", int_attr(1))
      .attr("transB", int_attr(1))
      .attr("alpha", ir::Attribute::from_float(0.5f))
      .attr("beta", ir::Attribute::from_float(-2.0f));
  auto out = node.run();
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  const Tensor& y = out.value()[0];
  ASSERT_EQ(y.shape(), (Shape{m, n}));
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double acc = 0;
      for (int p = 0; p < k; ++p) acc += double(a.data<float>()[p * m + i]) * b.data<float>()[j * k + p];
      EXPECT_NEAR(y.data<float>()[i * n + j], 0.5 * acc - 2.0 * c.data<float>()[j], 1e-5);
    }
}

TEST(MathLinalg, GemmNoBiasColumnBiasAndErrors) {
  const Tensor a = random_f32({2, 3}, 46);
  const Tensor b = random_f32({3, 4}, 47);
  SingleNode plain("Gemm");
  plain.input(a).input(b);
  auto p = plain.run();
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  const Tensor col = random_f32({2, 1}, 48);
  SingleNode with_col("Gemm");
  with_col.input(a).input(b).input(col);
  auto q = with_col.run();
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j) {
      double acc = 0;
      for (int t = 0; t < 3; ++t) acc += double(a.data<float>()[i * 3 + t]) * b.data<float>()[t * 4 + j];
      EXPECT_NEAR(p.value()[0].data<float>()[i * 4 + j], acc, 1e-6);
      EXPECT_NEAR(q.value()[0].data<float>()[i * 4 + j], acc + col.data<float>()[i], 1e-6);
    }

  SingleNode bad_c("Gemm");
  bad_c.input(a).input(b).input(random_f32({3}, 49));
  EXPECT_FALSE(bad_c.infer().ok());
  SingleNode bad_k("Gemm");
  bad_k.input(a).input(b).attr("transB", int_attr(1));
  Status s = bad_k.infer();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("Gemm 'node0': inner dimensions differ"), std::string::npos)
      << s.message();
}

}  // namespace
}  // namespace actrt
