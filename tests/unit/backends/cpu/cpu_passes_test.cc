// The CPU backend's registered passes (src/backends/cpu/cpu_passes.h) as compile() runs them:
// --disable-pass of a backend pass changes the plan, unknown names fail the build.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "../../passes/pass_test_util.h"
#include "runtime/backend.h"

namespace actrt::cpu {
namespace {

using passes::testing::attr_is;
using passes::testing::Builder;

// Conv(+bias) -> Relu: fuse_for_cpu makes it one FusedConv on oneDNN.
std::unique_ptr<ir::Graph> conv_relu() {
  Builder b;
  ir::Value* x = b.input("x", {1, 3, 9, 7});
  ir::Value* c = b.op("Conv", "conv", {x, b.weight("w", {4, 3, 3, 3}, 1), b.weight("b", {4}, 2)},
                      {{"pads", attr_is({1, 1, 1, 1})}});
  b.output(b.op("Relu", "relu", {c}));
  auto g = b.take();
  EXPECT_TRUE(passes::infer_shapes(*g).ok());
  return g;
}

Result<runtime::Plan> compile(const ir::Graph& g, std::vector<std::string> disabled) {
  const runtime::Backend* be = runtime::find_backend(BackendKind::kCpu);
  if (!be) return internal_error("CPU backend not registered");
  runtime::Plan plan;
  plan.graph = g.clone();
  BuilderConfig config;
  config.disabled_passes = std::move(disabled);
  RETURN_IF_ERROR(be->compile(plan, config));
  return plan;
}

std::multiset<std::string> kernels_of(const runtime::Plan& plan) {
  std::multiset<std::string> out;
  for (const auto& [layer, choice] : plan.layers) out.insert(choice.kernel);
  return out;
}

TEST(CpuPasses, DisablingFusionChangesThePlan) {
  auto g = conv_relu();
  auto fused = compile(*g, {});
  ASSERT_TRUE(fused.ok()) << fused.status().to_string();
  EXPECT_EQ(kernels_of(*fused), (std::multiset<std::string>{"onednn.conv"}));
  auto unfused = compile(*g, {"fuse_for_cpu"});
  ASSERT_TRUE(unfused.ok()) << unfused.status().to_string();
  EXPECT_EQ(kernels_of(*unfused), (std::multiset<std::string>{"reference.Conv", "reference.Relu"}));
  EXPECT_EQ(unfused->metadata.at("cpu.fused_conv"), "0");
}

TEST(CpuPasses, GraphPassNamesAreIgnoredUnknownNamesRefused) {
  auto g = conv_relu();
  EXPECT_TRUE(compile(*g, {"fold_constants"}).ok());
  auto bad = compile(*g, {"fuse_for_cpuu"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("unknown pass 'fuse_for_cpuu'"), std::string::npos)
      << bad.status().message();
  EXPECT_NE(bad.status().message().find("fuse_for_cpu"), std::string::npos);
}

}  // namespace
}  // namespace actrt::cpu
