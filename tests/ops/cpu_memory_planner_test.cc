// The CPU backend's memory planner: no two live buffers overlap, and reuse makes the arena much
// smaller than the sum of all buffers on ACT-like graphs.
#include <gtest/gtest.h>

#include <random>

#include "backends/cpu/cpu_context.h"
#include "backends/cpu/memory_planner.h"
#include "cpu_test_util.h"

namespace actrt::cpu_test {
namespace {

using cpu::BufferRequest;

void expect_no_overlap(const std::vector<BufferRequest>& r, const cpu::MemoryPlan& p) {
  ASSERT_EQ(p.offsets.size(), r.size());
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(p.offsets[i] % cpu::kArenaAlignment, 0u);
    EXPECT_LE(p.offsets[i] + r[i].bytes, p.arena_bytes);
    for (size_t j = i + 1; j < r.size(); ++j) {
      const bool live_together = !(r[i].last < r[j].first || r[j].last < r[i].first);
      if (!live_together || r[i].bytes == 0 || r[j].bytes == 0) continue;
      const bool disjoint = p.offsets[i] + r[i].bytes <= p.offsets[j] ||
                            p.offsets[j] + r[j].bytes <= p.offsets[i];
      EXPECT_TRUE(disjoint) << "buffers " << i << " and " << j << " overlap";
    }
  }
}

TEST(CpuMemoryPlanner, RandomLifetimesNeverOverlap) {
  std::mt19937 gen(7);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<BufferRequest> r;
    for (int i = 0; i < 200; ++i) {
      const int first = static_cast<int>(gen() % 100);
      r.push_back({static_cast<size_t>(gen() % 5000), first, first + static_cast<int>(gen() % 10)});
    }
    const cpu::MemoryPlan p = cpu::plan_memory(r);
    expect_no_overlap(r, p);
    EXPECT_LT(p.arena_bytes, p.total_bytes);
  }
}

// A chain where each value is read by the next two steps (like residual blocks).
TEST(CpuMemoryPlanner, ChainReusesMemory) {
  std::vector<BufferRequest> r;
  for (int i = 0; i < 100; ++i) r.push_back({size_t{1} << 20, i, i + 2});
  const cpu::MemoryPlan p = cpu::plan_memory(r);
  expect_no_overlap(r, p);
  EXPECT_LE(p.arena_bytes, 3u << 20);
  EXPECT_EQ(p.total_bytes, 100u << 20);
}

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
  const cpu::MemoryPlan& p = ctx->memory_plan();
  EXPECT_LT(p.arena_bytes * 3, p.total_bytes) << p.arena_bytes << " vs " << p.total_bytes;
}

}  // namespace
}  // namespace actrt::cpu_test
