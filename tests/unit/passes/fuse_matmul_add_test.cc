#include "passes/fuse_matmul_add.h"

#include "pass_test_util.h"

namespace actrt::passes {
namespace {
using namespace testing;

TEST(FuseMatMulAddPassTest, TwoDimensionalBecomesGemm) {
  Builder b;
  ir::Value* x = b.input("x", {5, 7});
  ir::Value* mm = b.op("MatMul", "mm", {x, b.weight("w", {7, 3}, 1)});
  b.output(b.op("Add", "y", {mm, b.weight("bias", {3}, 2)}));
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, fuse_matmul_add);
  EXPECT_EQ(run.report.nodes_removed, 1);
  ASSERT_EQ(g.node_count(), 1u);
  EXPECT_EQ(g.nodes()[0]->op_type(), "Gemm");
  EXPECT_EQ(g.outputs()[0]->name(), "y");
}

TEST(FuseMatMulAddPassTest, ThreeDimensionalIsReshapedAroundGemm) {
  // ACT's sequence-first Linear: [902, 1, 512] x [512, N] + b.
  Builder b;
  ir::Value* x = b.input("x", {6, 2, 8});
  ir::Value* mm = b.op("MatMul", "mm", {x, b.weight("w", {8, 5}, 1)});
  ir::Value* y = b.op("Add", "y", {b.weight("bias", {1, 1, 5}, 2), mm});
  b.output(b.op("Relu", "r", {y}));
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, fuse_matmul_add);
  EXPECT_EQ(run.report.rewrites, 1);
  EXPECT_EQ(count_ops(g, "Gemm"), 1);
  EXPECT_EQ(count_ops(g, "Reshape"), 2);
  EXPECT_EQ(count_ops(g, "MatMul") + count_ops(g, "Add"), 0);
  EXPECT_EQ(g.find_value("y")->shape(), (Shape{6, 2, 5}));
}

TEST(FuseMatMulAddPassTest, ScalarBiasIsBroadcastToN) {
  Builder b;
  ir::Value* x = b.input("x", {3, 4});
  ir::Value* mm = b.op("MatMul", "mm", {x, b.weight("w", {4, 6}, 1)});
  b.output(b.op("Add", "y", {mm, b.scalar("c", 0.75f)}));
  ir::Graph& g = b.graph();
  run_pass_checked(g, fuse_matmul_add);
  EXPECT_EQ(count_ops(g, "Gemm"), 1);
}

TEST(FuseMatMulAddPassTest, LeavesNonConstantOrBroadcastingBiases) {
  Builder b;
  ir::Value* x = b.input("x", {3, 4});
  ir::Value* w = b.weight("w", {4, 6}, 1);
  // Bias that varies along rows: not a Gemm bias.
  b.output(b.op("Add", "y1", {b.op("MatMul", "mm1", {x, w}), b.weight("rows", {3, 1}, 2)}));
  // Bias that enlarges the result.
  b.output(b.op("Add", "y2", {b.op("MatMul", "mm2", {x, w}), b.weight("big", {2, 1, 6}, 3)}));
  // Computed weight.
  ir::Value* wt = b.op("Exp", "wt", {b.input("w_in", {4, 6})});
  b.output(b.op("Add", "y3", {b.op("MatMul", "mm3", {x, wt}), b.weight("b3", {6}, 4)}));
  // MatMul output read twice.
  ir::Value* mm4 = b.op("MatMul", "mm4", {x, w});
  b.output(b.op("Add", "y4", {mm4, b.weight("b4", {6}, 5)}));
  b.output(mm4);
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, fuse_matmul_add);
  EXPECT_EQ(run.report.rewrites, 0);
  EXPECT_EQ(count_ops(g, "Gemm"), 0);
}

}  // namespace
}  // namespace actrt::passes
