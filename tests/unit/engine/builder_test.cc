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
  b.output(b.node("Relu", {x}));
  auto g = b.finish();
  BuilderConfig config;
  config.layer_precisions["first_layer"] = Precision::kBf16;
  config.layer_precisions["second_layer"] = Precision::kBf16;
  config.layer_precisions["third_layer"] = Precision::kFp32;
  auto plan = build_plan(*g, config);
  ASSERT_FALSE(plan.ok());
  const std::string& msg = plan.status().message();
  EXPECT_NE(msg.find("'first_layer', 'second_layer'"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("third_layer"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--backend cuda"), std::string::npos) << msg;  // says where it works
  config.layer_precisions.erase("first_layer");
  config.layer_precisions.erase("second_layer");
  EXPECT_TRUE(build_plan(*g, config).ok());
}

}  // namespace
}  // namespace actrt::engine
