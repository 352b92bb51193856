// fold_qdq: symmetric int8 Q/DQ pairs on activations become scales (following views); every
// other pair stays, so the graph keeps the model's exact semantics there.
#include <gtest/gtest.h>

#include "pass_test_util.h"
#include "passes/fold_qdq.h"

using namespace actrt;
using namespace actrt::passes;
using namespace actrt::passes::testing;

namespace {

Tensor i8_zero_point(int8_t v, bool per_axis) {
  return per_axis ? Tensor::from_vector(DataType::kInt8, {6}, std::vector<int8_t>(6, v))
                  : Tensor::from_vector(DataType::kInt8, {}, std::vector<int8_t>{v});
}

// x [2,6] -> Q(sq, zq) -> DQ(sd, zd) -> Reshape [3,4] -> MatMul(w) -> y
std::unique_ptr<ir::Graph> qdq_graph(float sq, float sd, int8_t zq, int8_t zd, bool per_axis = false) {
  Builder b;
  ir::Value* x = b.input("x", {2, 6});
  ir::Value* s1 = per_axis ? b.constant("s1", Tensor::from_vector(DataType::kFloat32, {6},
                                                                  std::vector<float>(6, sq)))
                           : b.scalar("s1", sq);
  ir::Value* q = b.op("QuantizeLinear", "q", {x, s1, b.constant("z1", i8_zero_point(zq, per_axis))},
                      {{"axis", attr_i(1)}});
  ir::Value* s2 = per_axis ? b.constant("s2", Tensor::from_vector(DataType::kFloat32, {6},
                                                                  std::vector<float>(6, sd)))
                           : b.scalar("s2", sd);
  ir::Value* dq = b.op("DequantizeLinear", "dq", {q, s2, b.constant("z2", i8_zero_point(zd, per_axis))},
                       {{"axis", attr_i(1)}});
  ir::Value* r = b.op("Reshape", "r", {dq, b.ints("shape", {3, 4})});
  b.output(b.op("MatMul", "y", {r, b.weight("w", {4, 5}, 1)}));
  auto g = b.take();
  Status st = infer_shapes(*g);
  EXPECT_TRUE(st.ok()) << st.to_string();
  return g;
}

}  // namespace

TEST(FoldQdq, SymmetricPairBecomesAScaleThatFollowsViews) {
  auto g = qdq_graph(0.05f, 0.05f, 0, 0);
  auto r = fold_qdq(*g);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->pairs, 1);
  EXPECT_EQ(count_ops(*g, "QuantizeLinear"), 0);
  EXPECT_EQ(count_ops(*g, "DequantizeLinear"), 0);
  EXPECT_EQ(r->scales.at("x"), 0.05f);
  EXPECT_EQ(r->scales.at("r"), 0.05f);  // through the Reshape, to the MatMul's input
  for (const auto& n : g->nodes())
    if (n->op_type() == "Reshape") {
      EXPECT_EQ(n->input(0)->name(), "x");
    }
}

TEST(FoldQdq, OtherPairsStay) {
  struct Case {
    const char* what;
    float sq, sd;
    int8_t zq, zd;
    bool per_axis;
  };
  for (const Case& c : {Case{"zero point 3", 0.05f, 0.05f, 3, 3, false},
                        Case{"scales differ", 0.05f, 0.04f, 0, 0, false},
                        Case{"per-axis scale", 0.05f, 0.05f, 0, 0, true},
                        Case{"zero scale", 0.0f, 0.0f, 0, 0, false}}) {
    auto g = qdq_graph(c.sq, c.sd, c.zq, c.zd, c.per_axis);
    ::testing::internal::CaptureStderr();
    auto r = fold_qdq(*g);
    const std::string log = ::testing::internal::GetCapturedStderr();
    ASSERT_TRUE(r.ok()) << c.what;
    EXPECT_EQ(r->pairs, 0) << c.what;
    EXPECT_TRUE(r->scales.empty()) << c.what;
    EXPECT_EQ(count_ops(*g, "QuantizeLinear"), 1) << c.what;
    EXPECT_NE(log.find("Q/DQ pair q_node -> dq_node stays floating point"), std::string::npos)
        << c.what << ": " << log;
  }
}

namespace {

// x [4,6] -> Q/DQ (scale 0.002: most of x clips) -> dq, read by MatMul(dq, Transpose(dq)) (a
// product of two activations) and, when `with_weight_reader`, by MatMul(dq, w) (a weight product).
std::unique_ptr<ir::Graph> shared_pair_graph(bool with_weight_reader) {
  Builder b;
  ir::Value* x = b.input("x", {4, 6});
  ir::Value* s = b.scalar("s", 0.002f);
  ir::Value* q = b.op("QuantizeLinear", "q", {x, s, b.constant("z1", i8_zero_point(0, false))});
  ir::Value* dq = b.op("DequantizeLinear", "dq", {q, b.scalar("s2", 0.002f),
                                                   b.constant("z2", i8_zero_point(0, false))});
  if (with_weight_reader) b.output(b.op("MatMul", "y1", {dq, b.weight("w", {6, 5}, 3)}));
  ir::Value* t = b.op("Transpose", "t", {dq}, {{"perm", attr_is({1, 0})}});
  b.output(b.op("MatMul", "y2", {dq, t}));
  auto g = b.take();
  Status st = infer_shapes(*g);
  EXPECT_TRUE(st.ok()) << st.to_string();
  return g;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  double d = 0;
  for (int64_t i = 0; i < a.numel(); ++i)
    d = std::max(d, std::fabs(a.element_as_double(i) - b.element_as_double(i)));
  return d;
}

}  // namespace

// A product of two activations (attention) runs in floating point: it must keep seeing x rounded
// and clipped by the pair, as ONNX Runtime computes the model; only the weight product, which
// quantizes x itself when it runs INT8, reads x.
TEST(FoldQdq, ActivationProductsKeepThePairsRounding) {
  auto g = shared_pair_graph(true);
  auto before = g->clone();
  auto r = fold_qdq(*g);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->pairs, 1);
  EXPECT_EQ(r->kept, 1);
  EXPECT_EQ(r->scales.at("x"), 0.002f);
  EXPECT_EQ(count_ops(*g, "QuantizeLinear"), 1);
  EXPECT_EQ(count_ops(*g, "DequantizeLinear"), 1);
  std::map<std::string, std::string> reads;  // node -> its input 0
  for (const auto& n : g->nodes()) reads[n->name()] = n->input(0)->name();
  EXPECT_EQ(reads["y1_node"], "x");
  EXPECT_EQ(reads["y2_node"], "dq");
  EXPECT_EQ(reads["t_node"], "dq");
  const reference::TensorMap feeds = random_feeds(*before);
  auto want = reference::Executor(*before).run(feeds);
  auto got = reference::Executor(*g).run(feeds);
  ASSERT_TRUE(want.ok() && got.ok());
  EXPECT_EQ(max_abs_diff(want->at("y2"), got->at("y2")), 0.0);  // the model's semantics
  EXPECT_GT(max_abs_diff(want->at("y1"), got->at("y1")), 1e-3);  // unrounded: int8 rounds it later
}

TEST(FoldQdq, PairReadOnlyByActivationProductsStaysWhole) {
  auto g = shared_pair_graph(false);
  auto before = g->clone();
  ::testing::internal::CaptureStderr();
  auto r = fold_qdq(*g);
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->pairs, 0);
  EXPECT_EQ(r->kept, 1);
  EXPECT_TRUE(r->scales.empty());
  EXPECT_EQ(count_ops(*g, "QuantizeLinear"), 1);
  EXPECT_EQ(count_ops(*g, "DequantizeLinear"), 1);
  EXPECT_NE(log.find("1 Q/DQ pair(s) kept with the model's rounding"), std::string::npos) << log;
  expect_same_outputs(*before, *g);
}
