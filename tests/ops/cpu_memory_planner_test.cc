// The CPU context's arena (runtime/memory_planner.h, tested alone in tests/unit/runtime): reuse
// makes it much smaller than the sum of all buffers on ACT-like graphs.
#include <gtest/gtest.h>

#include "backends/cpu/cpu_context.h"
#include "cpu_test_util.h"

namespace actrt::cpu_test {
namespace {

// A small ACT-like transformer stack compiled and planned by a real context: the arena is a
// fraction of the sum of all intermediate values, and results still match the reference.
TEST(CpuMemoryPlanner, ActLikeGraphArenaMuchSmallerThanSum) {
  GraphBuilder b;
  const int64_t s = 50, d = 32, ff = 64;
  ir::Value* x = b.input("x", {s, d});
  ir::Value* h = x;
  for (int layer = 0; layer < 4; ++layer) {
    ir::Value* a = b.node("Relu", {b.node("Gemm", {h, b.constant("w1", random_tensor({d, ff}, 100 + layer))})});
    ir::Value* o = b.node("Gemm", {a, b.constant("w2", random_tensor({ff, d}, 200 + layer))});
    ir::Value* r = b.node("Add", {h, o});
    h = b.node("LayerNormalization", {r, b.constant("g", random_tensor({d}, 300 + layer))},
               {{"axis", int_attr(-1)}});
  }
  b.output(h);
  auto g = b.finish();
  auto run = expect_matches_reference(*g, {{"x", random_tensor({s, d}, 5)}});
  ASSERT_TRUE(run);
  auto* ctx = dynamic_cast<cpu::CpuContext*>(run->ctx.get());
  ASSERT_NE(ctx, nullptr);
  const runtime::ArenaLayout& p = ctx->memory_plan();
  EXPECT_LT(p.total * 3, p.without_reuse) << p.total << " vs " << p.without_reuse;
}

// memory_usage() (runtime/backend.h) reports what the context holds: the arena as planned, every
// constant once (a weight used twice counted once), oneDNN's packed copies, nothing on a device.
TEST(CpuMemoryPlanner, MemoryUsageReportsArenaWeightsAndPackedCopies) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {1, 8, 17, 15});
  ir::Value* w = b.constant("w", random_tensor({8, 8, 3, 3}, 1));     // 2304 bytes, used twice
  ir::Value* bias = b.constant("b", random_tensor({8}, 2));           // 32 bytes
  ir::Value* c1 = b.node("Relu", {b.node("Conv", {x, w, bias}, {{"pads", ints({1, 1, 1, 1})}})});
  ir::Value* c2 = b.node("Conv", {c1, w, bias}, {{"pads", ints({1, 1, 1, 1})}});
  b.output(c2);
  auto g = b.finish();
  auto run = expect_matches_reference(*g, {{"x", random_tensor({1, 8, 17, 15}, 3)}});
  ASSERT_TRUE(run);
  auto* ctx = dynamic_cast<cpu::CpuContext*>(run->ctx.get());
  ASSERT_NE(ctx, nullptr);
  const runtime::MemoryUsage m = ctx->memory_usage();
  EXPECT_EQ(m.device_total(), 0u);
  EXPECT_EQ(m.device_libraries, 0u);
  EXPECT_EQ(m.host_staging, 0u);
  EXPECT_EQ(m.host_weights, (8u * 8 * 3 * 3 + 8) * sizeof(float));
  EXPECT_GE(m.host_activations, ctx->memory_plan().total);
  EXPECT_LE(m.host_activations, ctx->memory_plan().total + cpu::kArenaAlignment);
  // Packed once per (weight, layout): the two convs read their input in different layouts, so
  // at most two copies of weight and bias (oneDNN's layouts pad nothing at 8 channels).
  const size_t one_copy = (8u * 8 * 3 * 3 + 8) * sizeof(float);
  EXPECT_GE(m.host_packed_weights, one_copy);
  EXPECT_LE(m.host_packed_weights, 2 * one_copy);
  EXPECT_EQ(m.host_total(),
            m.host_weights + m.host_packed_weights + m.host_activations + m.host_staging);
}

}  // namespace
}  // namespace actrt::cpu_test
