// Per-output-channel weight scales and int8 weight values.
#include <gtest/gtest.h>

#include "quant/weight_scales.h"

using namespace actrt;
using namespace actrt::quant;

TEST(QuantWeightScales, PerChannelMaxOver127) {
  // [2 channels, 3], axis 0: channel 0 max 127 (scale 1), channel 1 max 254 (scale 2); values
  // chosen so that x / s is exact and ties show the rounding.
  Tensor w = Tensor::from_vector(DataType::kFloat32, {2, 3},
                                 std::vector<float>{63.5f, -127.0f, 0.0f, 5.0f, -254.0f, 7.0f});
  auto s = per_channel_weight_scales(w, 0);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ((*s)[0], 1.0f);
  EXPECT_EQ((*s)[1], 2.0f);
  auto q = quantize_per_channel(w, 0, *s);
  ASSERT_TRUE(q.ok());
  const int8_t* v = q->data<int8_t>();
  EXPECT_EQ(v[0], 64);  // 63.5 -> 64 (half to even)
  EXPECT_EQ(v[1], -127);
  EXPECT_EQ(v[2], 0);
  EXPECT_EQ(v[3], 2);  // 2.5 -> 2
  EXPECT_EQ(v[4], -127);
  EXPECT_EQ(v[5], 4);  // 3.5 -> 4
}

TEST(QuantWeightScales, MatMulAxisIsTheLastAndZeroChannelsGetScaleOne) {
  // [K=2, N=3], axis 1: column maxima 4, 0, 6.
  Tensor w = Tensor::from_vector(DataType::kFloat32, {2, 3},
                                 std::vector<float>{4, 0, -6, -1, 0, 3});
  auto s = per_channel_weight_scales(w, 1);
  ASSERT_TRUE(s.ok());
  EXPECT_FLOAT_EQ((*s)[0], 4.0f / 127);
  EXPECT_EQ((*s)[1], 1.0f);
  EXPECT_FLOAT_EQ((*s)[2], 6.0f / 127);
  EXPECT_FALSE(per_channel_weight_scales(w, 2).ok());
}

TEST(QuantWeightScales, RoundHalfEvenAndSaturate) {
  EXPECT_EQ(quantize_value(2.5f, 1.0f, -127, 127), 2);
  EXPECT_EQ(quantize_value(3.5f, 1.0f, -127, 127), 4);
  EXPECT_EQ(quantize_value(-2.5f, 1.0f, -127, 127), -2);
  EXPECT_EQ(quantize_value(1000.0f, 1.0f, -128, 127), 127);
  EXPECT_EQ(quantize_value(-1000.0f, 1.0f, -128, 127), -128);
}
