// The builder's checks of its configuration that do not depend on a backend's kernels.
#include <gtest/gtest.h>

#include "../../ops/graph_builder.h"
#include "actrt/builder_config.h"
#include "runtime/backend.h"
#include "engine/builder.h"

namespace actrt::engine {
namespace {

// The CPU backend has no BF16 kernels: a --layer-precisions NAME:bf16 entry fails its build,
// naming every such layer, instead of running them in another precision unannounced.
TEST(Builder, CpuRefusesBf16LayerPrecisionNamingTheLayers) {
  const runtime::Backend* cpu = runtime::find_backend(BackendKind::kCpu);
  if (!cpu || !cpu->available().ok()) GTEST_SKIP() << "no CPU backend in this build";
  test_graph::GraphBuilder b;
  ir::Value* x = b.input("x", {1, 4});
  b.output(b.node("Relu", {b.node("Relu", {b.node("Relu", {x})})}));
  auto g = b.finish();
  std::vector<std::string> names;
  for (const auto& n : g->nodes()) names.push_back(n->name());
  ASSERT_EQ(names.size(), 3u);
  BuilderConfig config;
  config.layer_precisions[names[0]] = Precision::kBf16;
  config.layer_precisions[names[1]] = Precision::kBf16;
  config.layer_precisions[names[2]] = Precision::kFp32;
  auto plan = build_plan(*g, config);
  ASSERT_FALSE(plan.ok());
  const std::string& msg = plan.status().message();
  EXPECT_NE(msg.find("'" + names[0] + "', '" + names[1] + "'"), std::string::npos) << msg;
  EXPECT_EQ(msg.find(names[2]), std::string::npos) << msg;
  EXPECT_NE(msg.find("--backend cuda"), std::string::npos) << msg;  // says where it works
  config.layer_precisions.erase(names[0]);
  config.layer_precisions.erase(names[1]);
  EXPECT_TRUE(build_plan(*g, config).ok());
}

// Issue 20: settings that named nothing were ignored without a word.
TEST(Builder, RefusesSettingsThatWouldBeIgnored) {
  const runtime::Backend* cpu = runtime::find_backend(BackendKind::kCpu);
  if (!cpu || !cpu->available().ok()) GTEST_SKIP() << "no CPU backend in this build";
  test_graph::GraphBuilder b;
  ir::Value* x = b.input("x", {1, 4});
  b.output(b.node("Relu", {x}));
  auto g = b.finish();
  BuilderConfig config;
  config.layer_precisions["no_such_layer"] = Precision::kFp16;
  config.layer_precisions["nor_this"] = Precision::kFp32;
  auto plan = build_plan(*g, config);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(plan.status().message().find("name no layer of the model: 'no_such_layer', 'nor_this'"),
            std::string::npos)
      << plan.status().message();
  // A timing cache for a backend that times no tactics (the CPU).
  config.layer_precisions.clear();
  config.timing_cache_path = "unused.timing";
  plan = build_plan(*g, config);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("times no tactics"), std::string::npos)
      << plan.status().message();
}

}  // namespace
}  // namespace actrt::engine
