#include "passes/merge_split_concat.h"

#include "pass_test_util.h"
#include "passes/eliminate_dead.h"
#include "passes/fold_squeeze_unsqueeze.h"

namespace actrt::passes {
namespace {
using namespace testing;

// LeRobot's token construction as torch exports it: for each camera, tokens [n, 1, C] ->
// Split into n pieces along 0 -> Squeeze(0) each -> Unsqueeze(0) each; all tokens (after two
// leading [1, C] tokens) concatenated along 0.
ir::Value* lerobot_tokens(Builder& b, int cameras, int n, int c) {
  std::vector<ir::Value*> stacked;
  ir::Value* latent = b.input("latent", {1, c});
  ir::Value* state = b.input("state", {1, c});
  for (ir::Value* t : {latent, state})
    stacked.push_back(b.op("Unsqueeze", t->name() + "_un", {t, b.ints(t->name() + "_ax", {0})}));
  for (int cam = 0; cam < cameras; ++cam) {
    std::string p = "cam" + std::to_string(cam);
    ir::Value* feat = b.op("Relu", p + "_feat", {b.input(p, {n, 1, c})});
    ir::Node* split =
        b.node("Split", p + "_split", {feat, b.ints(p + "_sizes", std::vector<int64_t>(n, 1))},
               static_cast<size_t>(n), {{"axis", attr_i(0)}});
    for (int i = 0; i < n; ++i) {
      std::string q = p + "_tok" + std::to_string(i);
      ir::Value* sq = b.op("Squeeze", q + "_sq", {split->output(i), b.ints(q + "_sqax", {0})});
      stacked.push_back(b.op("Unsqueeze", q + "_un", {sq, b.ints(q + "_unax", {0})}));
    }
  }
  return b.op("Concat", "stack", stacked, {{"axis", attr_i(0)}});
}

TEST(MergeSplitConcatPassTest, WholeSplitInOrderBecomesItsInput) {
  Builder b;
  ir::Value* x = b.op("Relu", "x", {b.input("in", {6, 2, 4})});
  ir::Value* y = b.input("y", {1, 2, 4});
  ir::Node* split =
      b.node("Split", "split", {x, b.ints("sizes", {1, 2, 3})}, 3, {{"axis", attr_i(0)}});
  b.output(b.op("Concat", "cat", {y, split->output(0), split->output(1), split->output(2), y},
                {{"axis", attr_i(0)}}));
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, merge_split_concat);
  EXPECT_EQ(run.report.rewrites, 1);
  ASSERT_TRUE(eliminate_dead(g).ok());
  EXPECT_EQ(count_ops(g, "Split"), 0);
  expect_same_outputs(*run.before, g);
}

TEST(MergeSplitConcatPassTest, ConcatOfOnlyTheSplitIsRemoved) {
  Builder b;
  ir::Value* x = b.op("Relu", "x", {b.input("in", {2, 6})});
  ir::Node* split =
      b.node("Split", "split", {x, b.ints("sizes", {3, 3})}, 2, {{"axis", attr_i(-1)}});
  ir::Value* cat =
      b.op("Concat", "cat", {split->output(0), split->output(1)}, {{"axis", attr_i(1)}});
  b.output(b.op("Sigmoid", "out", {cat}));
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, merge_split_concat);
  EXPECT_EQ(run.report.rewrites, 1);
  EXPECT_EQ(count_ops(g, "Concat"), 0);
}

TEST(MergeSplitConcatPassTest, ReorderedPartialOrOtherAxisStays) {
  Builder b;
  ir::Value* x = b.op("Relu", "x", {b.input("in", {4, 4})});
  ir::Node* split =
      b.node("Split", "split", {x, b.ints("sizes", {2, 2})}, 2, {{"axis", attr_i(0)}});
  b.output(b.op("Concat", "swapped", {split->output(1), split->output(0)}, {{"axis", attr_i(0)}}));
  b.output(b.op("Concat", "partial", {split->output(0), split->output(0)}, {{"axis", attr_i(0)}}));
  b.output(
      b.op("Concat", "other_axis", {split->output(0), split->output(1)}, {{"axis", attr_i(1)}}));
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, merge_split_concat);
  EXPECT_EQ(run.report.rewrites, 0);
  EXPECT_EQ(count_ops(g, "Concat"), 3);
}

TEST(MergeSplitConcatPassTest, LeRobotTokenStackCollapsesWithFoldSqueezeUnsqueeze) {
  Builder b;
  const int cameras = 2, tokens = 12, width = 8;
  ir::Value* stack = lerobot_tokens(b, cameras, tokens, width);
  b.output(b.op("MatMul", "proj", {stack, b.weight("w", {width, 3}, 5)}));
  ir::Graph& g = b.graph();
  EXPECT_EQ(count_ops(g, "Squeeze"), cameras * tokens);
  auto folded = run_pass_checked(g, fold_squeeze_unsqueeze);
  EXPECT_EQ(folded.report.rewrites, cameras * tokens);
  auto merged = run_pass_checked(g, merge_split_concat);
  EXPECT_EQ(merged.report.rewrites, cameras);
  ASSERT_TRUE(eliminate_dead(g).ok());
  ASSERT_TRUE(infer_shapes(g).ok());
  expect_same_outputs(*folded.before, g);
  EXPECT_EQ(count_ops(g, "Split"), 0);
  EXPECT_EQ(count_ops(g, "Squeeze"), 0);
  EXPECT_EQ(count_ops(g, "Unsqueeze"), 2);  // the two leading [1, C] tokens
  ASSERT_EQ(count_ops(g, "Concat"), 1);
  for (const auto& n : g.nodes())
    if (n->op_type() == "Concat") EXPECT_EQ(n->inputs().size(), 2u + cameras);
}

}  // namespace
}  // namespace actrt::passes
