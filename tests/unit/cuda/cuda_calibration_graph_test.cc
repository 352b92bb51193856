// The graph side of GPU calibration without a GPU (so CI guards it): with every activation of
// act-tiny made a graph output (stats_graph), the CUDA backend's FP32 rewrites keep every one of
// them as a graph output under its own name (lost_tensors is empty), so the statistics runner can
// read all of them. The statistics themselves are checked on the GPU in
// tests/ops/cuda_calibration_test.cc.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "../../models/act_tiny_fixture.h"
#include "../../ops/graph_builder.h"
#include "../../ops/graph_queries.h"
#include "actrt/network.h"
#include "backends/cuda/calibration_stats.h"
#include "backends/cuda/copy_fusion.h"
#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/eltwise_chain.h"
#include "backends/cuda/fusion.h"
#include "quant/observers.h"

namespace actrt::cuda {
namespace {

using namespace test_graph;

// The FP32 rewrite sequence of CudaBackend::compile (without tactic choice).
void rewrite_fp32(ir::Graph& g) {
  ASSERT_TRUE(fuse_for_cuda(g).ok());
  ASSERT_TRUE(fold_eltwise_io(g).ok());
  ASSERT_TRUE(fold_copy_chains(g).ok());
}

std::vector<std::string> activation_names(const ir::Graph& g) {
  std::vector<std::string> names;
  for (const ir::Value* v : quant::activation_tensors(g)) names.push_back(v->name());
  return names;
}


TEST(CudaCalibrationGraph, EveryActTinyActivationSurvivesTheFp32Rewrites) {
  if (!std::filesystem::exists(test::kActTinyModel)) GTEST_SKIP() << test::kActTinyModel;
  auto net = network_from_onnx_path(test::kActTinyModel);
  ASSERT_TRUE(net.ok()) << net.status().to_string();
  const ir::Graph& graph = net->graph();
  const std::vector<std::string> names = activation_names(graph);
  ASSERT_GT(names.size(), 50u);
  auto g = stats_graph(graph, names);
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  // Every one is now a graph input or output (once); the original outputs stay first.
  ASSERT_EQ((*g)->outputs().front()->name(), graph.outputs().front()->name());
  EXPECT_EQ(lost_tensors(**g, names), std::vector<std::string>{});
  std::set<std::string> outputs;
  for (const ir::Value* v : (*g)->outputs()) EXPECT_TRUE(outputs.insert(v->name()).second);
  const size_t nodes_before = (*g)->node_count();
  ASSERT_NO_FATAL_FAILURE(rewrite_fp32(**g));
  EXPECT_EQ(lost_tensors(**g, names), std::vector<std::string>{});
  // It still compiles to CUDA ops (one per op: nothing to fuse across observed values) ...
  EXPECT_GT(count_ops(**g, kCudaConv), 0);
  EXPECT_GT(count_ops(**g, kCudaMatMul), 0);
  EXPECT_EQ(count_ops(**g, kCudaAttention), 0) << "the scores and probabilities are observed";
  // ... and the unobserved graph fuses more (the check above can fail).
  auto plain = graph.clone();
  ASSERT_NO_FATAL_FAILURE(rewrite_fp32(*plain));
  EXPECT_LT(plain->node_count(), nodes_before);
  EXPECT_FALSE(lost_tensors(*plain, names).empty());
}

TEST(CudaCalibrationGraph, StatsGraphRejectsWhatTheKernelsCannotRead) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {2, 3});
  ir::Value* r = b.node("Relu", {x});
  b.output(b.node("Cast", {r}, {{"to", int_attr(int64_t(DataType::kInt32))}}));
  auto g = b.finish();
  auto ok = stats_graph(*g, {"x", r->name()});
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_EQ((*ok)->inputs().size(), 1u);                  // x stays an input only
  EXPECT_EQ((*ok)->outputs().back()->name(), r->name());  // Relu's output became an output
  auto missing = stats_graph(*g, {"nope"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no tensor 'nope'"), std::string::npos);
  auto integer = stats_graph(*g, {g->outputs().front()->name()});
  ASSERT_FALSE(integer.ok());
  EXPECT_NE(integer.status().message().find("the statistics kernels read f32 and f16"),
            std::string::npos)
      << integer.status().message();
  // A value that is no longer an input or output is lost.
  EXPECT_EQ(lost_tensors(*g, {"x", r->name()}), std::vector<std::string>{r->name()});
}

}  // namespace
}  // namespace actrt::cuda
