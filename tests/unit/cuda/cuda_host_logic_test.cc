// Host-side logic of the CUDA backend that needs no GPU (runs in CI wherever the CUDA backend is
// compiled): tactic strings, elementwise-chain strides after a folded Transpose, attention
// geometry for sequence-major layouts.
#include <gtest/gtest.h>

#include "backends/cuda/attention_layout.h"
#include "backends/cuda/conv_choice.h"
#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/eltwise_chain.h"
#include "runtime/plan.h"

namespace actrt::cuda {
namespace {

TEST(CudaConvChoice, TacticTextRoundTripsAndBadTextIsRefused) {
  auto graph = ConvChoice::parse("e41;2=4;13=0");
  ASSERT_TRUE(graph.ok());
  EXPECT_EQ(graph->tactic, "e41;2=4;13=0");
  EXPECT_EQ(graph->to_string(), "e41;2=4;13=0");
  auto legacy = ConvChoice::parse("legacy1");
  ASSERT_TRUE(legacy.ok());
  EXPECT_TRUE(legacy->tactic.empty());
  EXPECT_EQ(legacy->algo, 1);
  EXPECT_EQ(legacy->to_string(), "legacy1");
  for (const char* bad : {"", "legacy", "legacy-1", "legacy99", "x12", "legacy1x"}) {
    auto r = ConvChoice::parse(bad);
    EXPECT_FALSE(r.ok()) << "'" << bad << "' was accepted";
  }
}

// A CudaEltwise computing (x - mean[c]) with x [2, 3, 4, 5] and output Transpose(perm 0,2,3,1):
// the kernel walks the NHWC output, reads x through NCHW strides, and the per-channel operand
// follows the channel, now the last output axis.
TEST(CudaEltwiseChain, FoldedTransposeGivesPermutedStrides) {
  ir::Graph g;
  ir::Value* x = g.add_value("x");
  x->set_dtype(DataType::kFloat32);
  x->set_shape({2, 3, 4, 5});
  ir::Value* mean = g.add_constant("mean", Tensor(DataType::kFloat32, {3, 1, 1}));
  ir::Value* y = g.add_value("y");
  y->set_dtype(DataType::kFloat32);
  y->set_shape({2, 4, 5, 3});
  ir::Node* n = g.add_node("chain", kCudaEltwise, {x, mean}, {y}, runtime::kFusedDomain);
  n->set_attribute("ops", ir::Attribute::from_ints({int64_t(EltOp::kSub)}));
  n->set_attribute("operand", ir::Attribute::from_ints({1}));
  n->set_attribute("reversed", ir::Attribute::from_ints({0}));
  n->set_attribute("perm", ir::Attribute::from_ints({0, 2, 3, 1}));
  auto c = eltwise_chain_for(*n);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  ASSERT_EQ(c->rank, 4);
  EXPECT_EQ(c->x_strided, 1);
  const int64_t want_shape[4] = {2, 4, 5, 3};
  const int64_t want_x[4] = {60, 5, 1, 20};     // NCHW strides of x, in NHWC order
  const int64_t want_mean[4] = {0, 0, 0, 1};    // mean[c]
  for (int k = 0; k < 4; ++k) {
    EXPECT_EQ(c->shape[k], want_shape[k]) << k;
    EXPECT_EQ(c->x_strides[k], want_x[k]) << k;
    EXPECT_EQ(c->strides[0][k], want_mean[k]) << k;
  }
  // A perm that does not match the output rank is an error naming the node.
  n->set_attribute("perm", ir::Attribute::from_ints({0, 1}));
  auto bad = eltwise_chain_for(*n);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("chain"), std::string::npos);
}

// Sequence-major Q [S, H, 64] (a [S, H * 64] projection) against head-major K and V.
TEST(CudaAttentionGeometry, SequenceMajorStrides) {
  ir::Graph g;
  auto value = [&](const std::string& name, Shape s) {
    ir::Value* v = g.add_value(name);
    v->set_dtype(DataType::kFloat16);
    v->set_shape(s);
    return v;
  };
  ir::Value* q = value("q", {100, 8, 64});
  ir::Value* k = value("k", {8, 902, 64});
  ir::Value* v = value("v", {8, 902, 64});
  ir::Value* o = value("o", {100, 8, 64});
  ir::Node* n = g.add_node("attn", kCudaAttention, {q, k, v}, {o}, runtime::kFusedDomain);
  n->set_attribute("layouts", ir::Attribute::from_ints({1, 0, 0, 1}));
  auto geo = attention_geometry(*n);
  ASSERT_TRUE(geo.ok()) << geo.status().to_string();
  EXPECT_EQ(geo->batch, 8);
  EXPECT_EQ(geo->sq, 100);
  EXPECT_EQ(geo->sk, 902);
  EXPECT_EQ(geo->strides.q_head, 64);
  EXPECT_EQ(geo->strides.q_row, 512);
  EXPECT_EQ(geo->strides.k_head, 902 * 64);
  EXPECT_EQ(geo->strides.k_row, 64);
  EXPECT_EQ(geo->strides.o_row, 512);
  // Shapes that describe no single attention are refused with the node's name.
  o->set_shape({100, 4, 64});
  auto bad = attention_geometry(*n);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("attn"), std::string::npos);
}

}  // namespace
}  // namespace actrt::cuda
