#include "passes/hoist_activation_over_reshape.h"

#include "pass_test_util.h"

namespace actrt::passes {
namespace {
using namespace testing;

// The shape fuse_matmul_add leaves behind a transformer's first feed-forward linear:
// Gemm [S, F] -> Reshape [S, 1, F] -> Relu. After the pass the Relu reads the Gemm directly.
TEST(HoistActivationOverReshapeTest, ReluMovesBetweenGemmAndReshape) {
  Builder b;
  ir::Value* x = b.input("x", {6, 4});
  ir::Value* w = b.weight("w", {4, 8}, 1);
  ir::Value* mm = b.op("MatMul", "mm", {x, w});
  ir::Value* r = b.op("Reshape", "unflatten", {mm, b.ints("shape", {6, 1, 8})});
  ir::Value* y = b.op("Relu", "relu", {r});
  b.output(y);
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, hoist_activation_over_reshape);
  EXPECT_EQ(run.report.rewrites, 1);
  ASSERT_EQ(g.outputs()[0]->name(), "relu");
  ASSERT_NE(g.outputs()[0]->producer(), nullptr);
  EXPECT_EQ(g.outputs()[0]->producer()->op_type(), "Reshape");
  const ir::Node* relu = g.outputs()[0]->producer()->input(0)->producer();
  ASSERT_NE(relu, nullptr);
  EXPECT_EQ(relu->op_type(), "Relu");
  EXPECT_EQ(relu->input(0)->producer()->op_type(), "MatMul");
  EXPECT_EQ(relu->output(0)->shape(), (Shape{6, 8}));
}

// A view that something else also reads stays where it is (moving the activation would change
// what the other reader sees).
TEST(HoistActivationOverReshapeTest, SharedViewIsLeftAlone) {
  Builder b;
  ir::Value* x = b.input("x", {6, 4});
  ir::Value* r = b.op("Reshape", "view", {x, b.ints("shape", {24})});
  b.output(b.op("Tanh", "t", {r}));
  b.output(b.op("Neg", "n", {r}));
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, hoist_activation_over_reshape);
  EXPECT_EQ(run.report.rewrites, 0);
  EXPECT_EQ(g.outputs()[0]->producer()->op_type(), "Tanh");
}

// Binary ops are not activations: Add(Reshape(x), c) stays.
TEST(HoistActivationOverReshapeTest, BinaryOpsAreNotMoved) {
  Builder b;
  ir::Value* x = b.input("x", {2, 3});
  ir::Value* r = b.op("Flatten", "flat", {x});
  b.output(b.op("Add", "add", {r, b.scalar("c", 1.0f)}));
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, hoist_activation_over_reshape);
  EXPECT_EQ(run.report.rewrites, 0);
}

}  // namespace
}  // namespace actrt::passes
