// The CPU backend on act-tiny: FP32 outputs equal the reference executor's within 1e-4
// relative (max abs error / max |reference|), with the fusions ACT needs actually applied.
#include <gtest/gtest.h>

#include <filesystem>

#include "../ops/cpu_test_util.h"
#include "onnx/importer.h"
#include "passes/pass_manager.h"

namespace actrt::cpu_test {
namespace {

std::string act_tiny_path() {
  if (const char* p = std::getenv("ACTRT_ACT_TINY")) return p;  // another copy of the model
  const char* dir = std::getenv("ACTRT_SOURCE_DIR");
  return std::string(dir ? dir : ACTRT_SOURCE_DIR) + "/models/act-tiny/act-tiny.onnx";
}

TEST(CpuAct, ActTinyMatchesReference) {
  const std::string path = act_tiny_path();
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not present";
  auto graph = onnx_import::import_file(path);
  ASSERT_TRUE(graph.ok()) << graph.status().to_string();
  auto optimized = passes::optimize(*graph.value());
  ASSERT_TRUE(optimized.ok()) << optimized.status().to_string();
  const ir::Graph& g = *graph.value();

  runtime::TensorMap feeds;
  uint32_t seed = 1;
  for (const ir::Value* in : g.inputs()) {
    if (in->is_constant()) continue;
    // Images in [0, 1), joint positions ~ normalized.
    const bool image = in->shape().size() >= 4;
    feeds[in->name()] = random_tensor(in->shape(), seed++, image ? 0.0f : -1.0f, 1.0f);
  }
  auto run = expect_matches_reference(g, feeds, 1e-4, 2);
  ASSERT_TRUE(run);
  EXPECT_GT(count_kernel(run->plan, "onednn.conv"), 10);
  EXPECT_GT(count_kernel(run->plan, "cpu.attention"), 1);
  EXPECT_GT(count_kernel(run->plan, "cpu.layernorm"), 2);
  EXPECT_GT(count_kernel(run->plan, "onednn.matmul"), 4);
}

}  // namespace
}  // namespace actrt::cpu_test
