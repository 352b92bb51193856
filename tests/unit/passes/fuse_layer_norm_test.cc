#include "passes/fuse_layer_norm.h"

#include "pass_test_util.h"

namespace actrt::passes {
namespace {
using namespace testing;

struct LnOptions {
  bool mul_square = false;      // Mul(d, d) instead of Pow(d, 2)
  bool reciprocal = false;      // Reciprocal + Mul instead of Div
  bool affine = true;           // Mul(gamma) + Add(beta)
  bool axes_as_input = false;   // ReduceMean opset 18
  int64_t axis = -1;
};

// torch 1.13's decomposition of LayerNorm over the last axis of `x` (last dim n).
ir::Value* decomposed_ln(Builder& b, ir::Value* x, int64_t n, const LnOptions& o) {
  auto reduce = [&](const std::string& name, ir::Value* v) {
    if (o.axes_as_input) return b.op("ReduceMean", name, {v, b.ints(name + "_axes", {o.axis})});
    return b.op("ReduceMean", name, {v}, {{"axes", attr_is({o.axis})}, {"keepdims", attr_i(1)}});
  };
  ir::Value* mean = reduce("mean", x);
  ir::Value* d = b.op("Sub", "d", {x, mean});
  ir::Value* sq = o.mul_square ? b.op("Mul", "sq", {d, d})
                               : b.op("Pow", "sq", {d, b.scalar("two", 2.0f)});
  ir::Value* var = reduce("var", sq);
  ir::Value* ve = b.op("Add", "ve", {var, b.scalar("eps", 1e-5f)});
  ir::Value* sd = b.op("Sqrt", "sd", {ve});
  ir::Value* norm = o.reciprocal ? b.op("Mul", "norm", {b.op("Reciprocal", "inv", {sd}), d})
                                 : b.op("Div", "norm", {d, sd});
  if (!o.affine) return norm;
  ir::Value* scaled = b.op("Mul", "scaled", {norm, b.weight("gamma", {n}, 11)});
  return b.op("Add", "ln_out", {scaled, b.weight("beta", {n}, 12)});
}

void expect_single_layer_norm(const ir::Graph& g) {
  EXPECT_EQ(count_ops(g, "LayerNormalization"), 1);
  EXPECT_EQ(count_ops(g, "ReduceMean") + count_ops(g, "Sqrt") + count_ops(g, "Sub"), 0);
}

TEST(FuseLayerNormPassTest, Torch113DecompositionBecomesLayerNormalization) {
  Builder b;
  ir::Value* x = b.input("x", {6, 1, 16});
  ir::Value* ln = decomposed_ln(b, b.op("Relu", "pre", {x}), 16, {});
  b.output(b.op("Relu", "post", {ln}));
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, fuse_layer_norm);
  EXPECT_EQ(run.report.nodes_removed, 8);
  expect_single_layer_norm(g);
  ASSERT_EQ(g.node_count(), 3u);
  const ir::Node* ln_node = g.nodes()[1].get();
  EXPECT_EQ(ln_node->op_type(), "LayerNormalization");
  EXPECT_FLOAT_EQ(ln_node->attr_float("epsilon", 0).value(), 1e-5f);
  EXPECT_EQ(ln_node->inputs().size(), 3u);
}

TEST(FuseLayerNormPassTest, VariantsMulSquareReciprocalNoAffineAxesInput) {
  Builder b;
  ir::Value* x = b.input("x", {3, 10});
  b.output(decomposed_ln(b, x, 10, {.mul_square = true, .reciprocal = true, .affine = false,
                                    .axes_as_input = true, .axis = 1}));
  ir::Graph& g = b.graph();
  g.set_opset(18);
  run_pass_checked(g, fuse_layer_norm);
  expect_single_layer_norm(g);
  EXPECT_EQ(g.outputs()[0]->name(), "norm");
}

TEST(FuseLayerNormPassTest, LeavesOtherAxesAndSharedIntermediates) {
  {
    Builder b;  // normalizes axis 0 of a 2-D tensor: not the last axis
    ir::Value* x = b.input("x", {4, 5});
    b.output(decomposed_ln(b, x, 5, {.affine = false, .axis = 0}));
    ir::Graph& g = b.graph();
    auto run = run_pass_checked(g, fuse_layer_norm);
    EXPECT_EQ(run.report.rewrites, 0);
  }
  {
    Builder b;  // the variance is also a graph output
    ir::Value* x = b.input("x", {4, 5});
    b.output(decomposed_ln(b, x, 5, {}));
    b.output(b.graph().find_value("var"));
    ir::Graph& g = b.graph();
    auto run = run_pass_checked(g, fuse_layer_norm);
    EXPECT_EQ(run.report.rewrites, 0);
    EXPECT_EQ(count_ops(g, "LayerNormalization"), 0);
  }
}

}  // namespace
}  // namespace actrt::passes
