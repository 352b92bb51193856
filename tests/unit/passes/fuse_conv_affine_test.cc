#include "passes/fuse_conv_affine.h"

#include "pass_test_util.h"

namespace actrt::passes {
namespace {
using namespace testing;

ir::AttributeMap conv_attrs() {
  return {{"pads", attr_is({1, 1, 1, 1})}, {"strides", attr_is({1, 1})}};
}

TEST(FuseConvAffinePassTest, FrozenBatchNormAsMulAddFoldsIntoBiasFreeConv) {
  Builder b;
  ir::Value* x = b.input("x", {1, 3, 7, 9});
  ir::Value* c = b.op("Conv", "conv", {x, b.weight("w", {4, 3, 3, 3}, 1)}, conv_attrs());
  ir::Value* m = b.op("Mul", "bn_mul", {c, b.weight("scale", {1, 4, 1, 1}, 2)});
  ir::Value* a = b.op("Add", "bn_add", {b.weight("shift", {4, 1, 1}, 3), m});
  b.output(b.op("Relu", "relu", {a}));
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, fuse_conv_affine);
  EXPECT_EQ(run.report.nodes_removed, 2);
  EXPECT_EQ(g.node_count(), 2u);
  ir::Node* conv = g.outputs()[0]->producer()->input(0)->producer();
  ASSERT_EQ(conv->op_type(), "Conv");
  ASSERT_EQ(conv->inputs().size(), 3u);
  EXPECT_EQ(conv->input(2)->shape(), (Shape{4}));
}

TEST(FuseConvAffinePassTest, BatchNormalizationAndScalarDivSubFoldIntoConvWithBias) {
  Builder b;
  ir::Value* x = b.input("x", {2, 4, 6, 5});
  ir::Value* c = b.op("Conv", "conv", {x, b.weight("w", {6, 2, 3, 3}, 1), b.weight("bias", {6}, 2)},
                      {{"group", attr_i(2)}});
  ir::Value* bn = b.op("BatchNormalization", "bn",
                       {c, b.weight("g", {6}, 3), b.weight("beta", {6}, 4),
                        b.weight("mean", {6}, 5), b.constant("var", positive_tensor({6}, 6))},
                       {{"epsilon", attr_f(1e-5f)}});
  ir::Value* d = b.op("Div", "div", {bn, b.scalar("two", 2.5f)});
  ir::Value* s = b.op("Sub", "sub", {b.weight("t", {1, 6, 1, 1}, 7), d});
  b.output(s);
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, fuse_conv_affine);
  EXPECT_EQ(run.report.rewrites, 3);
  ASSERT_EQ(g.node_count(), 1u);
  EXPECT_EQ(g.outputs()[0]->name(), "sub");
  EXPECT_EQ(g.outputs()[0]->producer()->op_type(), "Conv");
}

TEST(FuseConvAffinePassTest, ConvsSharingAWeightShareTheFoldedWeight) {
  // ACT runs one ResNet trunk per camera: same W, same frozen BN constants.
  Builder b;
  ir::Value* w = b.weight("w", {4, 3, 1, 1}, 1);
  ir::Value* scale = b.weight("scale", {4, 1, 1}, 2);
  for (int cam = 0; cam < 2; ++cam) {
    std::string p = "cam" + std::to_string(cam);
    ir::Value* c = b.op("Conv", p + "_conv", {b.input(p, {1, 3, 4, 4}), w});
    b.output(b.op("Mul", p + "_mul", {c, scale}));
  }
  ir::Graph& g = b.graph();
  run_pass_checked(g, fuse_conv_affine);
  ASSERT_EQ(g.node_count(), 2u);
  EXPECT_EQ(g.nodes()[0]->input(1), g.nodes()[1]->input(1));
  EXPECT_EQ(g.nodes()[0]->input(2), g.nodes()[1]->input(2));
}

TEST(FuseConvAffinePassTest, LeavesNonPerChannelOrSharedOutputs) {
  Builder b;
  ir::Value* x = b.input("x", {1, 2, 4, 4});
  // Varies along width: not per channel.
  ir::Value* c1 = b.op("Conv", "c1", {x, b.weight("w1", {4, 2, 1, 1}, 1)});
  b.output(b.op("Mul", "m1", {c1, b.weight("along_w", {4}, 2)}));
  // Conv output read twice.
  ir::Value* c2 = b.op("Conv", "c2", {x, b.weight("w2", {4, 2, 1, 1}, 3)});
  b.output(b.op("Add", "a2", {c2, b.weight("t2", {4, 1, 1}, 4)}));
  b.output(b.op("Relu", "r2", {c2}));
  // Non-constant operand.
  ir::Value* c3 = b.op("Conv", "c3", {x, b.weight("w3", {4, 2, 1, 1}, 5)});
  b.output(b.op("Mul", "m3", {c3, c1}));
  // Constant / conv is not affine.
  ir::Value* c4 = b.op("Conv", "c4", {x, b.weight("w4", {4, 2, 1, 1}, 6)});
  b.output(b.op("Div", "d4", {b.weight("num", {4, 1, 1}, 7), c4}));
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, fuse_conv_affine);
  EXPECT_EQ(run.report.rewrites, 0);
  EXPECT_EQ(g.node_count(), 9u);
}

}  // namespace
}  // namespace actrt::passes
