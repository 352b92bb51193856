// The host side of the Winograd convolution path (winograd.h), no GPU needed (runs in CI): the
// weight transform reproduces a 3x3 correlation through the F(4x4, 3x3) tile algebra, which
// convolutions qualify, the tactic text, and the build-time weight rewrite. The device kernels
// are checked against the reference executor in tests/ops/cuda_winograd_test.cc.
#include <gtest/gtest.h>

#include <cmath>

#include "../../ops/graph_builder.h"
#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/fusion.h"
#include "backends/cuda/winograd.h"
#include "backends/cuda/winograd_transforms.h"

namespace actrt::cuda {
namespace {

using namespace test_graph;

// B^T and A^T of F(4x4, 3x3), written out here independently of the kernels' factored forms.
constexpr double kBt[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                              {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
constexpr double kAt[4][6] = {
    {1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};

TEST(CudaWinogradHost, TransformedWeightsReproduceA3x3Correlation) {
  const int64_t k_out = 3, c_in = 5;
  // KRSC weights [K, 3, 3, C].
  Tensor krsc = random_tensor({k_out, 3, 3, c_in}, 41, -1.0f, 1.0f);
  auto u = winograd_weights(krsc);
  ASSERT_TRUE(u.ok()) << u.status().to_string();
  ASSERT_EQ(u->shape(), (Shape{36, c_in, k_out}));
  Tensor tile = random_tensor({c_in, 6, 6}, 42, -1.0f, 1.0f);  // one 6x6 input tile per channel
  const float* g = krsc.data<float>();
  const float* d = tile.data<float>();
  const float* uf = u->data<float>();
  for (int64_t k = 0; k < k_out; ++k) {
    double m[6][6] = {};  // sum over c of U . (B^T d B)
    for (int64_t c = 0; c < c_in; ++c) {
      double v[6][6];
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 6; ++j) {
          double s = 0;
          for (int a = 0; a < 6; ++a)
            for (int b = 0; b < 6; ++b) s += kBt[i][a] * d[(c * 6 + a) * 6 + b] * kBt[j][b];
          v[i][j] = s;
        }
      for (int e = 0; e < 36; ++e)
        m[e / 6][e % 6] += uf[(e * c_in + c) * k_out + k] * v[e / 6][e % 6];
    }
    for (int r = 0; r < 4; ++r)
      for (int q = 0; q < 4; ++q) {
        double y = 0;
        for (int a = 0; a < 6; ++a)
          for (int b = 0; b < 6; ++b) y += kAt[r][a] * m[a][b] * kAt[q][b];
        double direct = 0;
        for (int64_t c = 0; c < c_in; ++c)
          for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b)
              direct += d[(c * 6 + r + a) * 6 + q + b] * g[((k * 3 + a) * 3 + b) * c_in + c];
        EXPECT_NEAR(y, direct, 1e-5 * (1 + std::abs(direct)))
            << "k " << k << " at " << r << "," << q;
      }
  }
}

// The kernels' factored line transforms (winograd_transforms.h) are B^T and A^T exactly.
TEST(CudaWinogradHost, KernelLineTransformsAreTheMatrices) {
  Tensor lines = random_tensor({8, 6}, 43, -3.0f, 3.0f);
  for (int64_t l = 0; l < 8; ++l) {
    const float* d = lines.data<float>() + l * 6;
    float in[6], out[4];
    winograd_input_line(d[0], d[1], d[2], d[3], d[4], d[5], in);
    winograd_output_line(d[0], d[1], d[2], d[3], d[4], d[5], out);
    for (int i = 0; i < 6; ++i) {
      double want = 0;
      for (int j = 0; j < 6; ++j) want += kBt[i][j] * d[j];
      EXPECT_NEAR(in[i], want, 1e-5 * (1 + std::abs(want))) << "B^T row " << i;
    }
    for (int i = 0; i < 4; ++i) {
      double want = 0;
      for (int j = 0; j < 6; ++j) want += kAt[i][j] * d[j];
      EXPECT_NEAR(out[i], want, 1e-5 * (1 + std::abs(want))) << "A^T row " << i;
    }
  }
}

TEST(CudaWinogradHost, WeightTransformRejectsOtherShapes) {
  auto bad = winograd_weights(random_tensor({4, 5, 5, 3}, 1));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("[K, 3, 3, C]"), std::string::npos)
      << bad.status().message();
}

TEST(CudaWinogradHost, TacticText) {
  EXPECT_EQ(winograd_tactic(3), "wino4x4;lt=3");
  EXPECT_TRUE(is_winograd_tactic("wino4x4;lt=3"));
  EXPECT_FALSE(is_winograd_tactic("e12;3=1"));
  auto i = parse_winograd_tactic("wino4x4;lt=3");
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(*i, 3);
  for (const char* bad : {"wino4x4;lt=", "wino4x4;lt=x", "wino4x4;lt=99", "wino2x2;lt=0"})
    EXPECT_FALSE(parse_winograd_tactic(bad).ok()) << bad;
}

// 3x3/1 (twice, sharing weights), 3x3/2, 1x1, 3x3 dilated: only the stride-1, undilated 3x3
// convolutions qualify, in FP32 only; the rewrite gives them [36, C, K] weights, once per weight.
TEST(CudaWinogradHost, RefusalsAndWeightRewrite) {
  GraphBuilder gb;
  ir::Value* x = gb.input("x", {1, 8, 12, 10});
  ir::Value* w = gb.constant("w", random_tensor({8, 8, 3, 3}, 1));
  auto conv = [&](ir::Value* in, ir::Value* weights, std::vector<int64_t> strides,
                  std::vector<int64_t> dil) {
    return gb.node("Conv", {in, weights, gb.constant("b", random_tensor({8}, 2))},
                   {{"pads", ints({dil[0], dil[0], dil[0], dil[0]})},
                    {"strides", ints(strides)},
                    {"dilations", ints(dil)}});
  };
  ir::Value* a = gb.node("Relu", {conv(x, w, {1, 1}, {1, 1})});
  ir::Value* b = conv(a, w, {1, 1}, {1, 1});
  ir::Value* s = conv(b, gb.constant("w2", random_tensor({8, 8, 3, 3}, 3)), {2, 2}, {1, 1});
  ir::Value* p = gb.node("Conv", {s, gb.constant("w3", random_tensor({8, 8, 1, 1}, 4)),
                                  gb.constant("b3", random_tensor({8}, 5))});
  gb.output(conv(p, gb.constant("w4", random_tensor({8, 8, 3, 3}, 6)), {1, 1}, {2, 2}));
  auto g = gb.finish();
  ASSERT_TRUE(fuse_for_cuda(*g).ok());
  int qualify = 0;
  std::vector<std::string> reasons;
  for (const auto& n : g->nodes()) {
    if (n->op_type() != kCudaConv) continue;
    const std::string why = winograd_refusal(*n, Precision::kFp32);
    EXPECT_FALSE(winograd_refusal(*n, Precision::kFp16).empty());
    EXPECT_FALSE(winograd_refusal(*n, Precision::kTf32).empty());
    if (why.empty()) {
      ++qualify;
      n->set_attribute("tactic", ir::Attribute::from_string(winograd_tactic(1)));
    } else {
      reasons.push_back(why);
    }
  }
  EXPECT_EQ(qualify, 2);
  EXPECT_EQ(reasons, (std::vector<std::string>{"stride is not 1", "not a 3x3 kernel", "dilated"}));
  auto rewritten = transform_winograd_weights(*g);
  ASSERT_TRUE(rewritten.ok()) << rewritten.status().to_string();
  EXPECT_EQ(*rewritten, 2);
  const ir::Value* shared = nullptr;
  for (const auto& n : g->nodes()) {
    if (n->op_type() != kCudaConv || !is_winograd_tactic(n->attr_string("tactic", "").value()))
      continue;
    EXPECT_EQ(n->input(1)->shape(), (Shape{36, 8, 8}));
    EXPECT_TRUE(winograd_refusal(*n, Precision::kFp32).empty());  // still runs as Winograd
    if (shared) {
      EXPECT_EQ(n->input(1), shared);  // one transformed copy of the shared weights
    }
    shared = n->input(1);
  }
}

}  // namespace
}  // namespace actrt::cuda
