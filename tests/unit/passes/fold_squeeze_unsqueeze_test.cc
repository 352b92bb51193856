#include "passes/fold_squeeze_unsqueeze.h"

#include "pass_test_util.h"
#include "passes/eliminate_dead.h"

namespace actrt::passes {
namespace {
using namespace testing;

TEST(FoldSqueezeUnsqueezePassTest, UnsqueezeOfSqueezeRestoringTheShapeIsDropped) {
  Builder b;
  ir::Value* x = b.input("x", {1, 1, 8});
  ir::Value* sq = b.op("Squeeze", "sq", {x, b.ints("sq_axes", {0})});
  ir::Value* un = b.op("Unsqueeze", "un", {sq, b.ints("un_axes", {0})});
  b.output(b.op("Mul", "y", {un, b.weight("w", {8}, 3)}));
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, fold_squeeze_unsqueeze);
  EXPECT_EQ(run.report.rewrites, 1);
  ASSERT_TRUE(eliminate_dead(g).ok());
  EXPECT_EQ(count_ops(g, "Squeeze"), 0);
  EXPECT_EQ(count_ops(g, "Unsqueeze"), 0);
  expect_same_outputs(*run.before, g);
}

TEST(FoldSqueezeUnsqueezePassTest, OtherAxesThatRestoreTheShapeAlsoFold) {
  // [1, 1, 8] -> Squeeze(0) -> [1, 8] -> Unsqueeze(1) -> [1, 1, 8]: same elements, same shape.
  Builder b;
  ir::Value* x = b.op("Relu", "x", {b.input("in", {1, 1, 8})});
  ir::Value* sq = b.op("Squeeze", "sq", {x, b.ints("sq_axes", {0})});
  b.output(b.op("Unsqueeze", "un", {sq, b.ints("un_axes", {1})}));
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, fold_squeeze_unsqueeze);
  EXPECT_EQ(run.report.rewrites, 1);
  EXPECT_EQ(count_ops(g, "Unsqueeze"), 0);
}

TEST(FoldSqueezeUnsqueezePassTest, SqueezeOfUnsqueezeFoldsAndTheInnerStaysForItsOtherReader) {
  Builder b;
  ir::Value* x = b.input("x", {4, 8});
  ir::Value* un = b.op("Unsqueeze", "un", {x, b.ints("un_axes", {1})});
  ir::Value* sq = b.op("Squeeze", "sq", {un, b.ints("sq_axes", {1})});
  b.output(b.op("Relu", "r", {sq}));
  b.output(b.op("Sigmoid", "s", {un}));  // the Unsqueeze has another reader
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, fold_squeeze_unsqueeze);
  EXPECT_EQ(run.report.rewrites, 1);
  EXPECT_EQ(count_ops(g, "Squeeze"), 0);
  EXPECT_EQ(count_ops(g, "Unsqueeze"), 1);
}

TEST(FoldSqueezeUnsqueezePassTest, GraphOutputReadingAGraphInputStays) {
  // Substituting would need an extra node (a graph output cannot become a graph input).
  Builder b;
  ir::Value* x = b.input("x", {1, 8});
  ir::Value* un = b.op("Unsqueeze", "un", {x, b.ints("un_axes", {0})});
  b.output(b.op("Squeeze", "out", {un, b.ints("sq_axes", {0})}));
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, fold_squeeze_unsqueeze);
  EXPECT_EQ(run.report.rewrites, 0);
  EXPECT_EQ(count_ops(g, "Squeeze"), 1);
}

TEST(FoldSqueezeUnsqueezePassTest, PairsThatChangeTheShapeOrRepeatAnOpStay) {
  Builder b;
  ir::Value* x = b.input("x", {1, 2, 8});
  ir::Value* sq = b.op("Squeeze", "sq", {x, b.ints("sq_axes", {0})});
  b.output(b.op("Unsqueeze", "un", {sq, b.ints("un_axes", {2})}));  // [2, 8, 1] != [1, 2, 8]
  ir::Value* u1 = b.op("Unsqueeze", "u1", {x, b.ints("u1_axes", {0})});
  b.output(b.op("Unsqueeze", "u2", {u1, b.ints("u2_axes", {0})}));
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, fold_squeeze_unsqueeze);
  EXPECT_EQ(run.report.rewrites, 0);
  EXPECT_EQ(count_ops(g, "Unsqueeze"), 3);
}

TEST(FoldSqueezeUnsqueezePassTest, GraphOutputKeepsItsName) {
  Builder b;
  ir::Value* x = b.input("x", {3, 8});
  ir::Value* r = b.op("Relu", "r", {x});
  ir::Value* un = b.op("Unsqueeze", "un", {r, b.ints("un_axes", {0})});
  b.output(b.op("Squeeze", "out", {un, b.ints("sq_axes", {0})}));
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, fold_squeeze_unsqueeze);  // checks names and values
  EXPECT_EQ(run.report.rewrites, 1);
  EXPECT_EQ(count_ops(g, "Squeeze"), 0);
}

}  // namespace
}  // namespace actrt::passes
