// The reference executor reproduces PyTorch on ACT exports, before and after optimization
// (issue: foundation, item 8). PyTorch's outputs come from the .io.npz that python/export_act.py
// writes next to the model.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "act_tiny_fixture.h"
#include "actrt/network.h"
#include "backends/reference/executor.h"
#include "data/npz.h"
#include "ir/graph.h"

namespace fs = std::filesystem;
using namespace actrt;

namespace {


void check_against_pytorch(bool optimize) {
  if (!fs::exists(test::kActTinyModel) || !fs::exists(test::kActTinyIo)) GTEST_SKIP() << test::kActTinyModel << " not present";
  NetworkOptions options;
  options.optimize = optimize;
  auto net = network_from_onnx_path(test::kActTinyModel, options);
  ASSERT_TRUE(net.ok()) << net.status().to_string();
  auto io = data::read_npz(test::kActTinyIo);
  ASSERT_TRUE(io.ok()) << io.status().to_string();
  reference::TensorMap feeds = {{"qpos", io->at("qpos")}, {"image", io->at("image")}};
  auto out = reference::Executor(net->graph()).run(feeds);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  const Tensor& actions = out->at("actions");
  const Tensor& expected = io->at("actions");
  ASSERT_EQ(actions.shape(), expected.shape());
  EXPECT_LT(test::relative_max_error(actions, expected), 1e-4);
}

}  // namespace

TEST(ActReference, MatchesPyTorchAsImported) { check_against_pytorch(false); }

TEST(ActReference, MatchesPyTorchAfterOptimization) { check_against_pytorch(true); }

TEST(ActReference, OptimizationRemovesTheDeadDecoderLayersAndFoldsConstants) {
  if (!fs::exists(test::kActTinyModel)) GTEST_SKIP() << test::kActTinyModel << " not present";
  NetworkOptions no_optimize;
  no_optimize.optimize = false;
  auto raw = network_from_onnx_path(test::kActTinyModel, no_optimize);
  auto opt = network_from_onnx_path(test::kActTinyModel);
  ASSERT_TRUE(raw.ok() && opt.ok());
  const auto& before = raw->summary().ops_after;
  const auto& after = opt->summary().ops_after;
  auto count = [](const std::map<std::string, int64_t>& m, const char* op) {
    auto it = m.find(op);
    return it == m.end() ? int64_t{0} : it->second;
  };
  // The sine position embedding and shape chains fold away entirely.
  for (const char* op : {"Sin", "Cos", "CumSum", "Shape", "ConstantOfShape", "Range", "Constant",
                         "Identity", "Dropout"})
    EXPECT_EQ(count(after, op), 0) << op;
  // Fewer LayerNorms and Softmaxes: only decoder layer 0 survives (the decoder bug).
  EXPECT_LT(count(after, "Softmax"), count(before, "Softmax"));
  EXPECT_LT(count(after, "LayerNormalization"), count(before, "LayerNormalization"));
  EXPECT_LT(opt->summary().total_flops, raw->summary().total_flops);
}
