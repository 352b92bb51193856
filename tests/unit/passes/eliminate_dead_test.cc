#include "passes/eliminate_dead.h"

#include "pass_test_util.h"

namespace actrt::passes {
namespace {
using namespace testing;

TEST(EliminateDeadPassTest, RemovesUnreachableChainsAndTheirConstants) {
  Builder b;
  ir::Value* x = b.input("x", {3, 4});
  ir::Value* live = b.op("MatMul", "live", {x, b.weight("w_live", {4, 5}, 1)});
  // A dead chain: two nodes and a weight nothing else uses.
  ir::Value* dead = b.op("MatMul", "dead", {x, b.weight("w_dead", {4, 4}, 2)});
  b.op("Relu", "dead_relu", {dead});
  // A node with two outputs, one of them read: it must stay.
  ir::Node* split = b.node("Split", "split", {live, b.ints("sizes", {2, 3})}, 2,
                           {{"axis", attr_i(1)}});
  b.output(b.op("Relu", "y", {split->output(0)}));
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, eliminate_dead);
  EXPECT_EQ(run.report.nodes_removed, 2);
  EXPECT_EQ(g.node_count(), 3u);
  EXPECT_EQ(g.find_value("w_dead"), nullptr);
  EXPECT_NE(g.find_value("w_live"), nullptr);
  EXPECT_EQ(count_ops(g, "Split"), 1);
}

TEST(EliminateDeadPassTest, KeepsEverythingThatReachesAnOutput) {
  Builder b;
  ir::Value* x = b.input("x", {3});
  ir::Value* a = b.op("Exp", "a", {x});
  ir::Value* c = b.op("Add", "c", {a, x});
  b.output(c);
  b.output(a);
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, eliminate_dead);
  EXPECT_EQ(run.report.nodes_removed, 0);
  EXPECT_EQ(g.node_count(), 2u);
}

}  // namespace
}  // namespace actrt::passes
