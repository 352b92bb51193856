// Softmax (both opset semantics) and LayerNormalization against naive double computations.
#include <gtest/gtest.h>

#include <cmath>

#include "single_node_runner.h"

namespace actrt {
namespace {

using single_node_test::f32;
using single_node_test::int_attr;
using single_node_test::random_f32;
using single_node_test::SingleNode;

TEST(MathNormalization, SoftmaxLastAxis) {
  SingleNode node("Softmax", 13);
  node.input(f32({2, 3}, {1, 2, 3, 1000, 1001, 1002}));  // large values must not overflow
  auto out = node.run();
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  const float* y = out.value()[0].data<float>();
  // softmax([1, 2, 3]) = [0.09003057, 0.24472847, 0.66524096]
  const float want[] = {0.09003057f, 0.24472847f, 0.66524096f};
  for (int r = 0; r < 2; ++r)
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(y[r * 3 + i], want[i], 1e-6);
}

TEST(MathNormalization, SoftmaxMiddleAxisOpset13VsCoercedOpset11) {
  const Tensor x = random_f32({2, 3, 4}, 31);
  const float* in = x.data<float>();
  SingleNode axis1("Softmax", 13);
  axis1.input(x).attr("axis", int_attr(1));
  auto out = axis1.run();
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 4; ++k) {
      double sum = 0;
      for (int j = 0; j < 3; ++j) sum += std::exp(in[(i * 3 + j) * 4 + k]);
      for (int j = 0; j < 3; ++j)
        EXPECT_NEAR(out.value()[0].data<float>()[(i * 3 + j) * 4 + k],
                    std::exp(in[(i * 3 + j) * 4 + k]) / sum, 1e-6);
    }

  // Opset 11: the input is coerced to 2x12 at axis 1, so each batch row sums to one.
  SingleNode coerced("Softmax", 11);
  coerced.input(x).attr("axis", int_attr(1));
  auto old = coerced.run();
  ASSERT_TRUE(old.ok()) << old.status().to_string();
  for (int i = 0; i < 2; ++i) {
    double sum = 0;
    for (int j = 0; j < 12; ++j) sum += std::exp(in[i * 12 + j]);
    for (int j = 0; j < 12; ++j)
      EXPECT_NEAR(old.value()[0].data<float>()[i * 12 + j], std::exp(in[i * 12 + j]) / sum, 1e-6);
  }

  SingleNode bad("Softmax", 13);
  bad.input(x).attr("axis", int_attr(3));
  EXPECT_FALSE(bad.infer().ok());
}

TEST(MathNormalization, LayerNormRandomWithStats) {
  const Tensor x = random_f32({2, 3, 5}, 32);
  const Tensor scale = random_f32({5}, 33);
  const Tensor bias = random_f32({5}, 34);
  SingleNode node("LayerNormalization", 17);
  node.input(x).input(scale).input(bias).outputs(3).attr("epsilon",
                                                           ir::Attribute::from_float(1e-3f));
  auto out = node.run();
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  const Tensor& y = out.value()[0];
  const Tensor& mean = out.value()[1];
  const Tensor& inv = out.value()[2];
  ASSERT_EQ(mean.shape(), (Shape{2, 3, 1}));
  ASSERT_EQ(inv.dtype(), DataType::kFloat32);
  for (int r = 0; r < 6; ++r) {
    const float* row = x.data<float>() + r * 5;
    double m = 0, v = 0;
    for (int j = 0; j < 5; ++j) m += row[j];
    m /= 5;
    for (int j = 0; j < 5; ++j) v += (row[j] - m) * (row[j] - m);
    const double is = 1.0 / std::sqrt(v / 5 + 1e-3);
    EXPECT_NEAR(mean.data<float>()[r], m, 1e-6);
    EXPECT_NEAR(inv.data<float>()[r], is, 1e-5);
    for (int j = 0; j < 5; ++j)
      EXPECT_NEAR(y.data<float>()[r * 5 + j],
                  (row[j] - m) * is * scale.data<float>()[j] + bias.data<float>()[j], 1e-5);
  }
}

TEST(MathNormalization, LayerNormAxis1NoBiasBroadcastScale) {
  const Tensor x = random_f32({2, 3, 4}, 35);
  const Tensor scale = random_f32({3, 1}, 36);  // broadcasts over the last axis
  SingleNode node("LayerNormalization", 17);
  node.input(x).input(scale).attr("axis", int_attr(1));
  auto out = node.run();
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  for (int b = 0; b < 2; ++b) {
    const float* row = x.data<float>() + b * 12;
    double m = 0, v = 0;
    for (int j = 0; j < 12; ++j) m += row[j];
    m /= 12;
    for (int j = 0; j < 12; ++j) v += (row[j] - m) * (row[j] - m);
    const double is = 1.0 / std::sqrt(v / 12 + 1e-5);
    for (int j = 0; j < 12; ++j)
      EXPECT_NEAR(out.value()[0].data<float>()[b * 12 + j],
                  (row[j] - m) * is * scale.data<float>()[j / 4], 1e-5);
  }

  SingleNode bad("LayerNormalization", 17);
  bad.input(x).input(random_f32({3}, 37));  // normalized shape is 4 at axis -1
  Status s = bad.infer();
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel);
  EXPECT_NE(s.message().find("Scale"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace actrt
