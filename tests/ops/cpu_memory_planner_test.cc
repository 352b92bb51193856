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

}  // namespace
}  // namespace actrt::cpu_test
