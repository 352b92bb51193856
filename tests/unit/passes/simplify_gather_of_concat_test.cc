#include "passes/simplify_gather_of_concat.h"

#include "pass_test_util.h"
#include "passes/eliminate_dead.h"

namespace actrt::passes {
namespace {
using namespace testing;

// Runs simplify_gather_of_concat then eliminate_dead, checking outputs after each.
void simplify_then_dce(ir::Graph& g, int expected_rewrites) {
  auto run = run_pass_checked(g, simplify_gather_of_concat);
  EXPECT_EQ(run.report.rewrites, expected_rewrites);
  auto before = g.clone();
  auto dce = eliminate_dead(g);
  ASSERT_TRUE(dce.ok()) << dce.status().to_string();
  ASSERT_TRUE(infer_shapes(g).ok());
  expect_same_outputs(*before, g);
  expect_same_outputs(*run.before, g);
}

// A miniature of ACT's decoder: `layers` layers, each a Linear + Relu on the previous output and
// a shared "norm" (Mul by gamma) of every layer's output, stacked (Unsqueeze + Concat axis 0).
// Returns the stacked value [layers, 4, 1, 8].
ir::Value* mini_decoder(Builder& b, int layers) {
  ir::Value* t = b.input("tgt", {4, 1, 8});
  ir::Value* gamma = b.weight("norm_gamma", {8}, 100);
  std::vector<ir::Value*> stacked;
  for (int i = 0; i < layers; ++i) {
    std::string p = "layer" + std::to_string(i);
    ir::Value* mm = b.op("MatMul", p + "_mm", {t, b.weight(p + "_w", {8, 8}, 10 + i)});
    ir::Value* add = b.op("Add", p + "_add", {mm, b.weight(p + "_b", {8}, 20 + i)});
    t = b.op("Relu", p + "_relu", {add});
    ir::Value* normed = b.op("Mul", p + "_norm", {t, gamma});
    stacked.push_back(b.op("Unsqueeze", p + "_unsq", {normed, b.ints(p + "_axes", {0})}));
  }
  return b.op("Concat", "stack", stacked, {{"axis", attr_i(0)}});
}

TEST(SimplifyGatherOfConcatPassTest, Torch113StackGatherKeepsOnlyTheFirstLayer) {
  Builder b;
  ir::Value* stack = mini_decoder(b, 4);
  ir::Value* hs = b.op("Gather", "hs0", {stack, b.constant("zero", i64_tensor({}, {0}))},
                       {{"axis", attr_i(0)}});
  b.output(b.op("MatMul", "head", {hs, b.weight("head_w", {8, 3}, 7)}));
  ir::Graph& g = b.graph();
  simplify_then_dce(g, 1);
  EXPECT_EQ(count_ops(g, "Concat"), 0);
  EXPECT_EQ(count_ops(g, "Gather"), 0);
  EXPECT_EQ(count_ops(g, "Unsqueeze"), 0);
  EXPECT_EQ(count_ops(g, "MatMul"), 2);  // layer 0 and the head
  EXPECT_EQ(g.find_value("layer1_w"), nullptr);
  EXPECT_NE(g.find_value("layer0_w"), nullptr);
}

TEST(SimplifyGatherOfConcatPassTest, ActStackTransposeGatherKeepsOnlyTheFirstLayer) {
  // detr: hs = stack(intermediate).transpose(1, 2); hs = hs[0].
  Builder b;
  ir::Value* stack = mini_decoder(b, 3);
  ir::Value* tr = b.op("Transpose", "hs_t", {stack}, {{"perm", attr_is({0, 2, 1, 3})}});
  ir::Value* hs = b.op("Gather", "hs0", {tr, b.constant("zero", i64_tensor({}, {0}))},
                       {{"axis", attr_i(0)}});
  b.output(b.op("MatMul", "head", {hs, b.weight("head_w", {8, 3}, 7)}));
  ir::Graph& g = b.graph();
  simplify_then_dce(g, 2);  // push below the Transpose, then take the part
  EXPECT_EQ(count_ops(g, "Concat"), 0);
  EXPECT_EQ(count_ops(g, "MatMul"), 2);
  EXPECT_EQ(count_ops(g, "Transpose"), 1);
  EXPECT_EQ(g.find_value("layer2_w"), nullptr);
  EXPECT_EQ(g.outputs()[0]->shape(), (Shape{1, 4, 3}));
}

TEST(SimplifyGatherOfConcatPassTest, SliceOfStackThroughTransposeKeepsOnlyTheFirstLayer) {
  // The same, as a dynamo-style Slice [0:1] (keeps the stacked axis).
  Builder b;
  ir::Value* stack = mini_decoder(b, 3);
  ir::Value* tr = b.op("Transpose", "hs_t", {stack}, {{"perm", attr_is({0, 2, 1, 3})}});
  ir::Value* hs = b.op("Slice", "hs0", {tr, b.ints("s", {0}), b.ints("e", {1}), b.ints("a", {0})});
  b.output(b.op("Relu", "out", {hs}));
  ir::Graph& g = b.graph();
  simplify_then_dce(g, 2);
  EXPECT_EQ(count_ops(g, "Concat"), 0);
  EXPECT_EQ(count_ops(g, "Slice"), 0);
  EXPECT_EQ(count_ops(g, "MatMul"), 1);
}

TEST(SimplifyGatherOfConcatPassTest, SliceOfWholePartReadsThePart) {
  Builder b;
  ir::Value* x = b.input("x", {2, 3});
  ir::Value* p0 = b.op("Exp", "p0", {x});
  ir::Value* p1 = b.op("Neg", "p1", {x});
  ir::Value* cat = b.op("Concat", "cat", {p0, p1}, {{"axis", attr_i(1)}});
  ir::Value* s = b.op("Slice", "s", {cat, b.ints("st", {3}), b.ints("en", {INT64_MAX}),
                                     b.ints("ax", {-1})});
  b.output(b.op("Relu", "y", {s}));
  ir::Graph& g = b.graph();
  simplify_then_dce(g, 1);
  EXPECT_EQ(count_ops(g, "Slice") + count_ops(g, "Concat") + count_ops(g, "Exp"), 0);
  EXPECT_EQ(g.outputs()[0]->producer()->input(0)->producer()->op_type(), "Neg");
}

TEST(SimplifyGatherOfConcatPassTest, SliceInsideAPartBecomesASliceOfThePart) {
  Builder b;
  ir::Value* x = b.input("x", {2, 5});
  ir::Value* p0 = b.op("Exp", "p0", {x});
  ir::Value* p1 = b.op("Neg", "p1", {x});
  ir::Value* cat = b.op("Concat", "cat", {p0, p1}, {{"axis", attr_i(1)}});
  // Columns 6..8 of the concat = columns 1..3 of p1; rows 1..2 sliced too.
  ir::Value* s = b.op("Slice", "s", {cat, b.ints("st", {6, 1}), b.ints("en", {9, 2}),
                                     b.ints("ax", {1, 0})});
  b.output(s);
  ir::Graph& g = b.graph();
  simplify_then_dce(g, 1);
  EXPECT_EQ(count_ops(g, "Concat"), 0);
  ASSERT_EQ(count_ops(g, "Slice"), 1);
  EXPECT_EQ(g.outputs()[0]->name(), "s");
  EXPECT_EQ(g.outputs()[0]->producer()->input(0)->producer()->op_type(), "Neg");
}

TEST(SimplifyGatherOfConcatPassTest, NegativeGatherIndexAndGraphOutputName) {
  Builder b;
  ir::Value* x = b.input("x", {3, 2});
  std::vector<ir::Value*> parts;
  for (int i = 0; i < 3; ++i) {
    ir::Value* e = b.op(i == 2 ? "Sigmoid" : "Exp", "p" + std::to_string(i), {x});
    parts.push_back(b.op("Unsqueeze", "u" + std::to_string(i), {e, b.ints("ax" + std::to_string(i), {1})}));
  }
  ir::Value* cat = b.op("Concat", "cat", parts, {{"axis", attr_i(1)}});  // [3,3,2]
  b.output(b.op("Gather", "last", {cat, b.constant("m1", i64_tensor({}, {-1}))},
                {{"axis", attr_i(1)}}));
  ir::Graph& g = b.graph();
  simplify_then_dce(g, 1);
  ASSERT_EQ(g.node_count(), 1u);
  EXPECT_EQ(g.outputs()[0]->name(), "last");
  EXPECT_EQ(g.outputs()[0]->producer()->op_type(), "Sigmoid");
}

TEST(SimplifyGatherOfConcatPassTest, GatherOfSizeOnePartWithoutUnsqueezeSqueezes) {
  Builder b;
  ir::Value* x = b.input("x", {1, 4});
  ir::Value* y = b.input("y", {2, 4});
  ir::Value* cat = b.op("Concat", "cat", {b.op("Exp", "ex", {x}), b.op("Neg", "ny", {y})},
                        {{"axis", attr_i(0)}});
  ir::Value* gth = b.op("Gather", "g0", {cat, b.constant("zero", i64_tensor({}, {0}))});
  ir::Value* gth2 = b.op("Gather", "g2", {cat, b.constant("two", i64_tensor({1}, {2}))});
  b.output(gth);
  b.output(gth2);
  ir::Graph& g = b.graph();
  simplify_then_dce(g, 2);
  EXPECT_EQ(count_ops(g, "Concat"), 0);
  EXPECT_EQ(count_ops(g, "Squeeze"), 1);
  EXPECT_EQ(count_ops(g, "Gather"), 1);  // index 2 -> index 1 of the second part
}

TEST(SimplifyGatherOfConcatPassTest, SplitOfConcatReadsTheParts) {
  Builder b;
  ir::Value* x = b.input("x", {2, 6});
  ir::Value* p0 = b.op("Exp", "p0", {x});
  ir::Value* p1 = b.op("Neg", "p1", {x});
  ir::Value* cat = b.op("Concat", "cat", {p0, p1}, {{"axis", attr_i(1)}});  // [2,12]
  ir::Node* split = b.node("Split", "split", {cat, b.ints("sizes", {6, 2, 4})}, 3,
                           {{"axis", attr_i(1)}});
  b.output(split->output(0));
  b.output(b.op("Relu", "r1", {split->output(1)}));
  b.output(b.op("Relu", "r2", {split->output(2)}));
  ir::Graph& g = b.graph();
  simplify_then_dce(g, 1);
  EXPECT_EQ(count_ops(g, "Split") + count_ops(g, "Concat"), 0);
  EXPECT_EQ(count_ops(g, "Slice"), 2);
  EXPECT_EQ(g.outputs()[0]->name(), "split_out0");
  EXPECT_EQ(g.outputs()[0]->producer()->op_type(), "Exp");
}

TEST(SimplifyGatherOfConcatPassTest, LeavesSelectionsThatSpanPartsOrOtherAxes) {
  Builder b;
  ir::Value* x = b.input("x", {2, 3});
  ir::Value* p0 = b.op("Exp", "p0", {x});
  ir::Value* p1 = b.op("Neg", "p1", {x});
  ir::Value* cat = b.op("Concat", "cat", {p0, p1}, {{"axis", attr_i(1)}});
  b.output(b.op("Slice", "span", {cat, b.ints("st", {2}), b.ints("en", {4}), b.ints("ax", {1})}));
  b.output(b.op("Gather", "rows", {cat, b.constant("one", i64_tensor({}, {1}))},
                {{"axis", attr_i(0)}}));
  b.output(b.op("Gather", "cols", {cat, b.constant("idx", i64_tensor({2}, {1, 4}))},
                {{"axis", attr_i(1)}}));
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, simplify_gather_of_concat);
  EXPECT_EQ(run.report.rewrites, 0);
  EXPECT_EQ(count_ops(g, "Concat"), 1);
}

}  // namespace
}  // namespace actrt::passes
