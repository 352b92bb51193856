// Reductions and CumSum: axes resolution across opsets, keepdims, noop_with_empty_axes, and the
// reference kernels against naive loops on seeded random inputs.
#include <gtest/gtest.h>

#include <cmath>

#include "single_node_runner.h"

namespace actrt {
namespace {

using single_node_test::f32;
using single_node_test::i64;
using single_node_test::i64_1d;
using single_node_test::int_attr;
using single_node_test::ints;
using single_node_test::random_f32;
using single_node_test::SingleNode;

Tensor run1(SingleNode& node) {
  auto out = node.run();
  EXPECT_TRUE(out.ok()) << out.status().to_string();
  return out.ok() ? out.value()[0] : Tensor();
}

// x is 3x4x5; index helper.
float at(const Tensor& x, int i, int j, int k) { return x.data<float>()[(i * 4 + j) * 5 + k]; }

TEST(MathReduce, ReduceSumAxesInputNoKeepdims) {
  const Tensor x = random_f32({3, 4, 5}, 21);
  SingleNode node("ReduceSum", 13);
  node.input(x).const_input(i64_1d({1})).attr("keepdims", int_attr(0));
  Tensor y = run1(node);
  ASSERT_EQ(y.shape(), (Shape{3, 5}));
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 5; ++k) {
      double sum = 0;
      for (int j = 0; j < 4; ++j) sum += at(x, i, j, k);
      EXPECT_NEAR(y.data<float>()[i * 5 + k], sum, 1e-6);
    }
}

TEST(MathReduce, ReduceMeanAxesAttributeKeepdims) {
  const Tensor x = random_f32({3, 4, 5}, 22);
  SingleNode node("ReduceMean", 17);
  node.input(x).attr("axes", ints({-1, 0}));
  Tensor y = run1(node);
  ASSERT_EQ(y.shape(), (Shape{1, 4, 1}));
  for (int j = 0; j < 4; ++j) {
    double sum = 0;
    for (int i = 0; i < 3; ++i)
      for (int k = 0; k < 5; ++k) sum += at(x, i, j, k);
    EXPECT_NEAR(y.data<float>()[j], sum / 15.0, 1e-6);
  }
}

TEST(MathReduce, ReduceMaxOpset18AxesInputAndDefaultAll) {
  const Tensor x = random_f32({3, 4, 5}, 23);
  SingleNode node("ReduceMax", 18);
  node.input(x).const_input(i64_1d({2}));
  Tensor y = run1(node);
  ASSERT_EQ(y.shape(), (Shape{3, 4, 1}));
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) {
      float m = -INFINITY;
      for (int k = 0; k < 5; ++k) m = std::max(m, at(x, i, j, k));
      EXPECT_EQ(y.data<float>()[i * 4 + j], m);
    }

  SingleNode all("ReduceMax", 13);  // no axes: every axis
  all.input(x).attr("keepdims", int_attr(0));
  Tensor a = run1(all);
  ASSERT_EQ(a.shape(), Shape{});
  float m = -INFINITY;
  for (float v : x.span<float>()) m = std::max(m, v);
  EXPECT_EQ(a.data<float>()[0], m);
}

TEST(MathReduce, NoopWithEmptyAxes) {
  const Tensor x = random_f32({2, 3}, 24);
  SingleNode noop("ReduceSum", 13);
  noop.input(x).const_input(Tensor(DataType::kInt64, {0})).attr("noop_with_empty_axes",
                                                                  int_attr(1));
  Tensor y = run1(noop);
  ASSERT_EQ(y.shape(), (Shape{2, 3}));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y.data<float>()[i], x.data<float>()[i]);

  SingleNode all("ReduceSum", 13);  // empty axes without noop: reduce everything
  all.input(x).const_input(Tensor(DataType::kInt64, {0}));
  Tensor a = run1(all);
  ASSERT_EQ(a.shape(), (Shape{1, 1}));
  double sum = 0;
  for (float v : x.span<float>()) sum += v;
  EXPECT_NEAR(a.data<float>()[0], sum, 1e-6);
}

TEST(MathReduce, IntegerMeanTruncatesAndSumIsExact) {
  SingleNode mean("ReduceMean", 13);
  mean.input(i64({2, 3}, {1, 2, 4, -1, -2, -4})).attr("axes", ints({1}));
  Tensor m = run1(mean);
  EXPECT_EQ(m.data<int64_t>()[0], 2);   // 7 / 3
  EXPECT_EQ(m.data<int64_t>()[1], -2);  // -7 / 3
  SingleNode sum("ReduceSum", 13);
  sum.input(i64({2}, {4000000000000000001LL, 3})).const_input(i64_1d({0}));
  EXPECT_EQ(run1(sum).data<int64_t>()[0], 4000000000000000004LL);
}

TEST(MathReduce, AxesErrors) {
  const Tensor x = random_f32({2, 3}, 25);
  SingleNode attr_at_18("ReduceMean", 18);
  attr_at_18.input(x).attr("axes", ints({1}));
  Status s = attr_at_18.infer();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("ReduceMean 'node0'"), std::string::npos) << s.message();

  SingleNode twice("ReduceMax", 13);
  twice.input(x).attr("axes", ints({1, -1}));
  EXPECT_FALSE(twice.infer().ok());

  SingleNode range("ReduceSum", 13);
  range.input(x).const_input(i64_1d({2}));
  EXPECT_FALSE(range.infer().ok());

  SingleNode runtime_axes("ReduceSum", 13);
  runtime_axes.input(x).input(i64_1d({1}));
  EXPECT_EQ(runtime_axes.infer().code(), StatusCode::kUnsupported);
}

TEST(MathReduce, CumSumVariants) {
  const Tensor x = f32({5}, {1, 2, 3, 4, 5});
  struct Case {
    int exclusive, reverse;
    float want[5];
  };
  const Case cases[] = {{0, 0, {1, 3, 6, 10, 15}},
                        {1, 0, {0, 1, 3, 6, 10}},
                        {0, 1, {15, 14, 12, 9, 5}},
                        {1, 1, {14, 12, 9, 5, 0}}};
  for (const Case& c : cases) {
    SingleNode node("CumSum", 14);
    node.input(x).input(Tensor::from_vector(DataType::kInt32, {}, std::vector<int32_t>{0}))
        .attr("exclusive", int_attr(c.exclusive))
        .attr("reverse", int_attr(c.reverse));
    Tensor y = run1(node);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(y.data<float>()[i], c.want[i]) << c.exclusive << c.reverse;
  }
}

TEST(MathReduce, CumSumMiddleAxisRandom) {
  const Tensor x = random_f32({3, 4, 5}, 26);
  SingleNode node("CumSum", 14);
  node.input(x).const_input(i64({1}, {-2}));
  Tensor y = run1(node);
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 5; ++k) {
      double acc = 0;
      for (int j = 0; j < 4; ++j) {
        acc += at(x, i, j, k);
        EXPECT_NEAR(at(y, i, j, k), acc, 1e-6);
      }
    }
}

}  // namespace
}  // namespace actrt
