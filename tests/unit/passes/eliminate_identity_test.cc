#include "passes/eliminate_identity.h"

#include "pass_test_util.h"

namespace actrt::passes {
namespace {
using namespace testing;

TEST(EliminateIdentityPassTest, RemovesIdentityAndInferenceDropoutChain) {
  Builder b;
  ir::Value* x = b.input("x", {2, 3});
  ir::Value* r = b.op("Relu", "r", {x});
  ir::Value* i1 = b.op("Identity", "i1", {r});
  ir::Value* d = b.op("Dropout", "d", {i1, b.scalar("ratio", 0.1f)});
  ir::Value* y = b.op("Neg", "y", {d});
  b.output(y);
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, eliminate_identity);
  EXPECT_EQ(run.report.nodes_removed, 2);
  EXPECT_EQ(count_ops(g, "Identity") + count_ops(g, "Dropout"), 0);
  ASSERT_EQ(g.node_count(), 2u);
  EXPECT_EQ(g.outputs()[0]->producer()->input(0)->producer()->op_type(), "Relu");
}

TEST(EliminateIdentityPassTest, GraphOutputKeepsItsNameByRenamingTheProducer) {
  Builder b;
  ir::Value* x = b.input("x", {4});
  ir::Value* e = b.op("Exp", "e", {x});
  ir::Value* n = b.op("Neg", "other_reader", {e});
  ir::Value* out = b.op("Identity", "actions", {e});
  b.output(out);
  b.output(n);
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, eliminate_identity);
  EXPECT_EQ(count_ops(g, "Identity"), 0);
  ASSERT_EQ(g.outputs()[0]->name(), "actions");
  ASSERT_NE(g.outputs()[0]->producer(), nullptr);
  EXPECT_EQ(g.outputs()[0]->producer()->op_type(), "Exp");
  // The Exp's other reader now reads the renamed value.
  EXPECT_EQ(g.outputs()[1]->producer()->input(0), g.outputs()[0]);
}

TEST(EliminateIdentityPassTest, KeepsIdentityBetweenGraphInputAndOutput) {
  Builder b;
  ir::Value* x = b.input("x", {4});
  b.output(b.op("Identity", "y", {x}));
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, eliminate_identity);
  EXPECT_EQ(count_ops(g, "Identity"), 1);
  EXPECT_EQ(run.report.rewrites, 0);
}

TEST(EliminateIdentityPassTest, KeepsIdentityBetweenTwoGraphOutputs) {
  Builder b;
  ir::Value* x = b.input("x", {4});
  ir::Value* s = b.op("Sigmoid", "s", {x});
  b.output(s);
  b.output(b.op("Identity", "s_copy", {s}));
  ir::Graph& g = b.graph();
  run_pass_checked(g, eliminate_identity);
  EXPECT_EQ(count_ops(g, "Identity"), 1);
  EXPECT_EQ(output_names(g), (std::vector<std::string>{"s", "s_copy"}));
}

TEST(EliminateIdentityPassTest, KeepsDropoutWhoseMaskIsRead) {
  Builder b;
  ir::Value* x = b.input("x", {2, 2});
  ir::Node* d = b.node("Dropout", "d", {x}, 2);
  b.output(b.op("Neg", "y", {d->output(0)}));
  b.output(b.op("Not", "m", {d->output(1)}));
  ir::Graph& g = b.graph();
  ASSERT_TRUE(infer_shapes(g).ok());
  auto r = eliminate_identity(g);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(count_ops(g, "Dropout"), 1);
}

TEST(EliminateIdentityPassTest, KeepsDropoutInTrainingMode) {
  Builder b;
  ir::Value* x = b.input("x", {2, 2});
  ir::Value* training = b.constant(
      "training", Tensor::from_vector(DataType::kBool, {}, std::vector<uint8_t>{1}));
  ir::Value* d = b.op("Dropout", "d", {x, b.scalar("ratio", 0.5f), training});
  b.output(b.op("Neg", "y", {d}));
  ir::Graph& g = b.graph();
  auto r = eliminate_identity(g);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(count_ops(g, "Dropout"), 1);
}

}  // namespace
}  // namespace actrt::passes
