#include "data/random_loader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/half.h"

namespace actrt::data {
namespace {

const std::vector<TensorInfo> kInputs = {{"image", DataType::kFloat32, {1, 3, 8, 8}},
                                         {"qpos", DataType::kFloat32, {1, 14}},
                                         {"step", DataType::kInt64, {64}},
                                         {"mask", DataType::kBool, {64}},
                                         {"half", DataType::kFloat16, {32}}};

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

TEST(RandomLoader, SplitMix64KnownVector) {
  // Reference values of splitmix64 seeded with 0 (Vigna's splitmix64.c).
  SplitMix64 g(0);
  EXPECT_EQ(g.next(), 0xe220a8397b1dcdafull);
  EXPECT_EQ(g.next(), 0x6e789e6aa1b965f4ull);
  EXPECT_EQ(g.next(), 0x06c45d188009454full);
}

TEST(RandomLoader, PolygraphyDefaultsAndDeterminism) {
  RandomDataOptions opt;
  EXPECT_EQ(opt.seed, 1u);
  opt.iterations = 3;
  Result<RandomDataLoader> a = RandomDataLoader::create(kInputs, opt);
  Result<RandomDataLoader> b = RandomDataLoader::create(kInputs, opt);
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  EXPECT_EQ(a->size(), 3u);
  Result<TensorMap> a0 = a->get(0), b0 = b->get(0), a1 = a->get(1);
  ASSERT_TRUE(a0.ok() && b0.ok() && a1.ok());
  for (const auto& in : kInputs) {
    EXPECT_TRUE(same_bytes(a0->at(in.name), b0->at(in.name))) << in.name;
    EXPECT_TRUE(same_bytes(a0->at(in.name), a->get(0)->at(in.name))) << in.name;  // repeatable
    EXPECT_EQ(a0->at(in.name).shape(), in.shape);
  }
  EXPECT_FALSE(same_bytes(a0->at("image"), a1->at("image")));

  // Floats in [0, 1) and not constant; ints take both 0 and 1 only; bools both values.
  const Tensor& img = a0->at("image");
  float mn = 1, mx = 0;
  for (float v : img.span<float>()) {
    mn = std::min(mn, v);
    mx = std::max(mx, v);
  }
  EXPECT_GE(mn, 0.0f);
  EXPECT_LT(mx, 1.0f);
  EXPECT_LT(mn, 0.1f);
  EXPECT_GT(mx, 0.9f);
  int ones = 0;
  for (int64_t v : a0->at("step").span<int64_t>()) {
    ASSERT_TRUE(v == 0 || v == 1) << v;
    ones += static_cast<int>(v);
  }
  EXPECT_GT(ones, 10);
  EXPECT_LT(ones, 54);
  int trues = 0;
  for (bool v : a0->at("mask").span<bool>()) trues += v;
  EXPECT_GT(trues, 10);
  EXPECT_LT(trues, 54);
  for (uint16_t h : a0->at("half").span<uint16_t>()) {
    EXPECT_GE(fp16_to_float(h), 0.0f);
    EXPECT_LE(fp16_to_float(h), 1.0f);
  }
}

TEST(RandomLoader, ItemIIsSeededWithSeedPlusI) {
  RandomDataOptions s1;
  s1.iterations = 2;
  RandomDataOptions s2;
  s2.seed = 2;
  Result<RandomDataLoader> a = RandomDataLoader::create(kInputs, s1);
  Result<RandomDataLoader> b = RandomDataLoader::create(kInputs, s2);
  EXPECT_TRUE(same_bytes(a->get(1)->at("qpos"), b->get(0)->at("qpos")));
  RandomDataOptions s3;
  s3.seed = 3;
  EXPECT_FALSE(same_bytes(a->get(0)->at("qpos"),
                          RandomDataLoader::create(kInputs, s3)->get(0)->at("qpos")));
  EXPECT_FALSE(a->get(2).ok());
}

TEST(RandomLoader, SplitMix64AdvanceSkipsOutputs) {
  SplitMix64 a(42), b(42);
  for (int i = 0; i < 1000; ++i) a.next();
  b.advance(1000);
  EXPECT_EQ(a.next(), b.next());
}

TEST(RandomLoader, LargeInputsGeneratedInChunksEqualTheOneStream) {
  // Large enough to be generated in chunks on several threads (random_loader.cc): every element
  // must still be the stream's next value, as documented at the top of random_loader.h.
  const std::vector<TensorInfo> in = {{"image", DataType::kFloat32, {3, 3, 240, 320}},
                                      {"half", DataType::kFloat16, {600001}}};
  RandomDataOptions opt;
  opt.seed = 9;
  opt.iterations = 2;
  ASSERT_TRUE(opt.parse_range("image:-2,3").ok());
  Result<RandomDataLoader> l = RandomDataLoader::create(in, opt);
  ASSERT_TRUE(l.ok());
  Result<TensorMap> f = l->get(1);
  ASSERT_TRUE(f.ok());
  auto fnv1a64 = [](const std::string& s) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    return h;
  };
  auto expected = [&](const std::string& name, double low, double high, int64_t n) {
    SplitMix64 rng(SplitMix64::mix((opt.seed + 1) ^ fnv1a64(name)));
    std::vector<float> out(static_cast<size_t>(n));
    for (float& x : out) {
      const double u = static_cast<double>(rng.next() >> 40) * (1.0 / 16777216.0);
      x = static_cast<float>(low + u * (high - low));
      if (x >= static_cast<float>(high)) x = std::nextafter(float(high), float(low));
    }
    return out;
  };
  const Tensor& img = f->at("image");
  const std::vector<float> want = expected("image", -2, 3, img.numel());
  ASSERT_EQ(std::memcmp(img.raw_data(), want.data(), img.nbytes()), 0);
  const Tensor& half = f->at("half");
  const std::vector<float> want_half = expected("half", 0, 1, half.numel());
  for (int64_t k = 0; k < half.numel(); ++k)
    ASSERT_EQ(half.data<uint16_t>()[k], float_to_fp16(want_half[size_t(k)])) << k;
}

TEST(RandomLoader, InputValuesDoNotDependOnOtherInputs) {
  Result<RandomDataLoader> all = RandomDataLoader::create(kInputs);
  Result<RandomDataLoader> one = RandomDataLoader::create({kInputs[1]});
  EXPECT_TRUE(same_bytes(all->get(0)->at("qpos"), one->get(0)->at("qpos")));
}

TEST(RandomLoader, PerInputRanges) {
  RandomDataOptions opt;
  ASSERT_TRUE(opt.parse_range("qpos:-2,2").ok());
  ASSERT_TRUE(opt.parse_range("step:3,5").ok());
  ASSERT_TRUE(opt.parse_range("0.5,0.75").ok());  // default for the rest
  Result<RandomDataLoader> l = RandomDataLoader::create(kInputs, opt);
  ASSERT_TRUE(l.ok());
  TensorMap f = *l->get(0);
  bool negative = false;
  for (float v : f.at("qpos").span<float>()) {
    EXPECT_GE(v, -2.0f);
    EXPECT_LT(v, 2.0f);
    negative |= v < 0;
  }
  EXPECT_TRUE(negative);
  bool seen[3] = {false, false, false};
  for (int64_t v : f.at("step").span<int64_t>()) {
    ASSERT_GE(v, 3);
    ASSERT_LE(v, 5);  // inclusive, like Polygraphy's ints
    seen[v - 3] = true;
  }
  EXPECT_TRUE(seen[0] && seen[1] && seen[2]);
  for (float v : f.at("image").span<float>()) {
    EXPECT_GE(v, 0.5f);
    EXPECT_LT(v, 0.75f);
  }
  // A degenerate range gives the constant.
  RandomDataOptions c;
  ASSERT_TRUE(c.parse_range("qpos:1,1").ok());
  const TensorMap constant = *RandomDataLoader::create(kInputs, c)->get(0);
  for (float v : constant.at("qpos").span<float>()) EXPECT_EQ(v, 1.0f);
}

TEST(RandomLoader, Errors) {
  RandomDataOptions opt;
  EXPECT_FALSE(opt.parse_range("qpos:2").ok());
  EXPECT_FALSE(opt.parse_range("qpos:a,2").ok());
  Status s = opt.parse_range("qpos:3,1");
  EXPECT_NE(s.message().find("greater than"), std::string::npos);
  ASSERT_TRUE(opt.parse_range("qpoz:0,1").ok());
  Result<RandomDataLoader> l = RandomDataLoader::create(kInputs, opt);
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.status().message().find("'qpoz', which is not an input"), std::string::npos);
  EXPECT_NE(l.status().message().find("image, mask, qpos"), std::string::npos)
      << l.status().message();

  l = RandomDataLoader::create({{"x", DataType::kFloat32, {-1, 3}}});
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.status().message().find("unknown dimension"), std::string::npos);

  RandomDataOptions ints;
  ASSERT_TRUE(ints.parse_range("step:0.2,0.8").ok());  // holds no integer
  Result<RandomDataLoader> li = RandomDataLoader::create(kInputs, ints);
  ASSERT_TRUE(li.ok());
  Result<TensorMap> f = li->get(0);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("input 'step'"), std::string::npos);
}

}  // namespace
}  // namespace actrt::data
