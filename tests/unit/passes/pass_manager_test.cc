#include "passes/pass_manager.h"

#include <set>

#include "pass_test_util.h"

namespace actrt::passes {
namespace {
using namespace testing;

TEST(PassManagerPassTest, RegistryIsTheSingleListOfPasses) {
  std::set<std::string_view> names;
  for (const PassInfo& p : all_passes()) {
    EXPECT_TRUE(names.insert(p.name).second) << "duplicate pass " << p.name;
    EXPECT_FALSE(p.description.empty()) << p.name;
    EXPECT_NE(p.run, nullptr) << p.name;
    EXPECT_EQ(find_pass(p.name), &p);
  }
  for (std::string_view n : default_pipeline()) EXPECT_NE(find_pass(n), nullptr) << n;
  EXPECT_EQ(find_pass("no_such_pass"), nullptr);
  EXPECT_EQ(default_pipeline().front(), "fold_constants");
  EXPECT_EQ(default_pipeline().back(), "eliminate_dead");
}

TEST(PassManagerPassTest, UnknownPassNamesAreErrorsListingTheKnownOnes) {
  PipelineOptions o;
  o.disabled = {"fuse_everything"};
  auto pm = PassManager::create(o);
  ASSERT_FALSE(pm.ok());
  EXPECT_EQ(pm.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pm.status().message().find("fuse_everything"), std::string::npos);
  EXPECT_NE(pm.status().message().find("fuse_layer_norm"), std::string::npos);
  EXPECT_FALSE(PassManager::from_names({"eliminate_dead", "nope"}).ok());
}

// torch 1.13's LayerNorm decomposition, names prefixed.
ir::Value* layer_norm(Builder& b, const std::string& p, ir::Value* x, int64_t n, uint32_t seed) {
  auto reduce = [&](const std::string& name, ir::Value* v) {
    return b.op("ReduceMean", p + name, {v}, {{"axes", attr_is({-1})}});
  };
  ir::Value* d = b.op("Sub", p + "_d", {x, reduce("_mean", x)});
  ir::Value* var = reduce("_var", b.op("Pow", p + "_sq", {d, b.scalar(p + "_two", 2.0f)}));
  ir::Value* sd = b.op("Sqrt", p + "_sd", {b.op("Add", p + "_ve", {var, b.scalar(p + "_eps", 1e-5f)})});
  ir::Value* norm = b.op("Div", p + "_norm", {d, sd});
  ir::Value* scaled = b.op("Mul", p + "_scaled", {norm, b.weight(p + "_gamma", {n}, seed)});
  return b.op("Add", p + "_out", {scaled, b.weight(p + "_beta", {n}, seed + 1)});
}

ir::Value* linear(Builder& b, const std::string& p, ir::Value* x, int64_t k, int64_t n,
                  uint32_t seed) {
  ir::Value* mm = b.op("MatMul", p + "_mm", {x, b.weight(p + "_w", {k, n}, seed)});
  return b.op("Add", p + "_add", {mm, b.weight(p + "_b", {n}, seed + 1)});
}

// A miniature ACT export: conv + frozen BN (as constant arithmetic, to be folded), tokens,
// a Linear + Dropout + LayerNorm "encoder", 3 decoder layers stacked, transposed and indexed
// [0] (the decoder bug), an action head and an Identity on the output.
std::unique_ptr<ir::Graph> mini_act() {
  Builder b;
  ir::Value* image = b.input("image", {1, 3, 8, 8});
  ir::Value* conv = b.op("Conv", "conv1", {image, b.weight("conv1_w", {4, 3, 3, 3}, 1)},
                         {{"pads", attr_is({1, 1, 1, 1})}});
  // Frozen BN: scale = g / sqrt(var + eps), shift = beta - mean * scale, computed in-graph.
  ir::Value* eps = b.scalar("bn_eps", 1e-5f);
  ir::Value* var = b.constant("bn_var", positive_tensor({4, 1, 1}, 2));
  ir::Value* scale = b.op("Div", "bn_scale", {b.weight("bn_g", {4, 1, 1}, 3),
                                              b.op("Sqrt", "bn_sd", {b.op("Add", "bn_ve", {var, eps})})});
  ir::Value* shift = b.op("Sub", "bn_shift", {b.weight("bn_b", {4, 1, 1}, 4),
                                              b.op("Mul", "bn_ms", {b.weight("bn_m", {4, 1, 1}, 5), scale})});
  ir::Value* bn = b.op("Add", "bn_add", {b.op("Mul", "bn_mul", {conv, scale}), shift});
  ir::Value* feat = b.op("Relu", "relu", {bn});
  ir::Value* flat = b.op("Reshape", "flat", {feat, b.ints("flat_shape", {1, 4, 64})});
  ir::Value* tokens = b.op("Transpose", "tokens", {flat}, {{"perm", attr_is({2, 0, 1})}});  // [64,1,4]
  ir::Value* proj = linear(b, "proj", tokens, 4, 8, 10);
  ir::Value* dropped = b.op("Dropout", "drop", {proj});
  ir::Value* memory = layer_norm(b, "enc_ln", dropped, 8, 20);
  ir::Value* mem_mean = b.op("ReduceMean", "mem_mean", {memory},
                             {{"axes", attr_is({0})}, {"keepdims", attr_i(1)}});  // [1,1,8]

  ir::Value* t = b.input("tgt", {5, 1, 8});
  std::vector<ir::Value*> stacked;
  for (int i = 0; i < 3; ++i) {
    std::string p = "dec" + std::to_string(i);
    ir::Value* h = b.op("Relu", p + "_relu", {linear(b, p + "_lin", t, 8, 8, 30 + 10 * i)});
    t = b.op("Add", p + "_res", {h, mem_mean});
    ir::Value* normed = layer_norm(b, p + "_norm", t, 8, 100);
    stacked.push_back(b.op("Unsqueeze", p + "_unsq", {normed, b.ints(p + "_axes", {0})}));
  }
  ir::Value* stack = b.op("Concat", "stack", stacked, {{"axis", attr_i(0)}});
  ir::Value* hs_t = b.op("Transpose", "hs_t", {stack}, {{"perm", attr_is({0, 2, 1, 3})}});
  ir::Value* hs = b.op("Gather", "hs0", {hs_t, b.constant("zero", i64_tensor({}, {0}))});
  ir::Value* head = linear(b, "head", hs, 8, 6, 200);
  b.output(b.op("Identity", "actions", {head}));
  return b.take();
}

int count(const std::vector<PassRunRecord>& records, const std::string& name, bool removed) {
  int total = 0;
  for (const auto& r : records)
    if (r.name == name) total += removed ? r.nodes_removed : r.rewrites;
  return total;
}

TEST(PassManagerPassTest, DefaultPipelineOnMiniActKeepsOutputsAndOptimizes) {
  auto g = mini_act();
  ASSERT_TRUE(infer_shapes(*g).ok());
  auto before = g->clone();
  auto records = optimize(*g);
  ASSERT_TRUE(records.ok()) << records.status().to_string();
  expect_same_outputs(*before, *g);
  EXPECT_EQ(output_names(*g), std::vector<std::string>{"actions"});

  for (const char* gone : {"Identity", "Dropout", "Concat", "Unsqueeze", "Gather", "MatMul",
                           "Sqrt", "Pow", "Mul", "Div"})
    EXPECT_EQ(count_ops(*g, gone), 0) << gone;
  EXPECT_EQ(count_ops(*g, "LayerNormalization"), 2);  // encoder + decoder layer 0
  EXPECT_EQ(count_ops(*g, "Gemm"), 3);                // proj, decoder layer 0, head
  EXPECT_EQ(count_ops(*g, "Conv"), 1);
  for (const auto& n : g->nodes())
    if (n->op_type() == "Conv") {
      EXPECT_EQ(n->inputs().size(), 3u);
    }
  EXPECT_EQ(g->find_value("dec1_lin_w"), nullptr);  // decoder layers 1..2 are gone
  EXPECT_EQ(g->find_value("dec2_lin_w"), nullptr);

  // One summary per pipeline entry, in order; each pass shows what it did.
  ASSERT_EQ(records->size(), default_pipeline().size());
  for (size_t i = 0; i < records->size(); ++i)
    EXPECT_EQ((*records)[i].name, default_pipeline()[i]);
  EXPECT_GT(count(*records, "fold_constants", true), 0);
  EXPECT_EQ(count(*records, "eliminate_identity", true), 2);
  EXPECT_GE(count(*records, "simplify_gather_of_concat", false), 1);
  EXPECT_GT(count(*records, "eliminate_dead", true), 20);
  EXPECT_EQ(count(*records, "fuse_conv_affine", false), 2);
  EXPECT_EQ(count(*records, "fuse_matmul_add", false), 3);
  EXPECT_EQ(count(*records, "fuse_layer_norm", false), 2);
  EXPECT_EQ(count(*records, "fuse_layer_norm", true), 16);
}

TEST(PassManagerPassTest, DisabledPassesAreSkippedAndHistoryRecordsEveryRun) {
  auto g = mini_act();
  ASSERT_TRUE(infer_shapes(*g).ok());
  auto before = g->clone();
  PipelineOptions o;
  o.disabled = {"fuse_layer_norm", "simplify_gather_of_concat"};
  auto pm = PassManager::create(o);
  ASSERT_TRUE(pm.ok()) << pm.status().to_string();
  for (const PassInfo* p : pm->pipeline()) {
    EXPECT_NE(p->name, "fuse_layer_norm");
    EXPECT_NE(p->name, "simplify_gather_of_concat");
  }
  auto records = pm->run(*g);
  ASSERT_TRUE(records.ok()) << records.status().to_string();
  expect_same_outputs(*before, *g);
  EXPECT_EQ(count_ops(*g, "LayerNormalization"), 0);
  EXPECT_EQ(count_ops(*g, "Concat"), 1);  // the dead decoder layers stay
  EXPECT_NE(g->find_value("dec2_lin_w"), nullptr);
  // At least two rounds ran (the last one changing nothing), each pass once per round.
  ASSERT_GE(pm->history().size(), 2 * pm->pipeline().size());
  for (size_t i = pm->history().size() - pm->pipeline().size(); i < pm->history().size(); ++i) {
    EXPECT_EQ(pm->history()[i].rewrites, 0) << pm->history()[i].name;
    EXPECT_EQ(pm->history()[i].nodes_removed, 0) << pm->history()[i].name;
  }
}

TEST(PassManagerPassTest, OptimizedGraphIsAFixedPoint) {
  auto g = mini_act();
  ASSERT_TRUE(optimize(*g).ok());
  size_t nodes = g->node_count();
  auto again = optimize(*g);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(g->node_count(), nodes);
  for (const auto& r : *again) EXPECT_EQ(r.rewrites, 0) << r.name;
}

}  // namespace
}  // namespace actrt::passes
