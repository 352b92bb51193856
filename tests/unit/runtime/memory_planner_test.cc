// The runtime memory planner: no two live buffers overlap, reuse makes the arena much smaller
// than the sum, and each tie order reproduces, offset for offset, the planner its backend used
// before the two were merged (engines must compute bit-identically across that change).
#include "runtime/memory_planner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <utility>

namespace actrt::runtime {
namespace {

void expect_no_overlap(const std::vector<BufferRequest>& r, const ArenaLayout& p,
                       size_t alignment) {
  ASSERT_EQ(p.offsets.size(), r.size());
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(p.offsets[i] % alignment, 0u);
    EXPECT_LE(p.offsets[i] + r[i].bytes, p.total);
    for (size_t j = i + 1; j < r.size(); ++j) {
      const bool live_together = !(r[i].last < r[j].first || r[j].last < r[i].first);
      if (!live_together || r[i].bytes == 0 || r[j].bytes == 0) continue;
      const bool disjoint = p.offsets[i] + r[i].bytes <= p.offsets[j] ||
                            p.offsets[j] + r[j].bytes <= p.offsets[i];
      EXPECT_TRUE(disjoint) << "buffers " << i << " and " << j << " overlap";
    }
  }
}

// Random requests with many equal sizes (so that the tie order matters) and some empty ones.
std::vector<BufferRequest> random_requests(std::mt19937& gen, int n) {
  std::vector<BufferRequest> r;
  for (int i = 0; i < n; ++i) {
    const int first = static_cast<int>(gen() % 100);
    const size_t bytes = gen() % 4 == 0 ? size_t{64} * (gen() % 4) : gen() % 5000;
    r.push_back({bytes, first, first + static_cast<int>(gen() % 10)});
  }
  return r;
}

TEST(MemoryPlanner, RandomLifetimesNeverOverlap) {
  std::mt19937 gen(7);
  for (int trial = 0; trial < 20; ++trial) {
    const std::vector<BufferRequest> r = random_requests(gen, 200);
    for (size_t alignment : {size_t{64}, size_t{256}}) {
      const ArenaLayout p = plan_arena(r, alignment);
      expect_no_overlap(r, p, alignment);
      EXPECT_LT(p.total, p.without_reuse);
    }
  }
}

// A chain where each value is read by the next two steps (like residual blocks).
TEST(MemoryPlanner, ChainReusesMemory) {
  std::vector<BufferRequest> r;
  for (int i = 0; i < 100; ++i) r.push_back({size_t{1} << 20, i, i + 2});
  const ArenaLayout p = plan_arena(r, 64, SizeTies::kEarlierFirstUse);
  expect_no_overlap(r, p, 64);
  EXPECT_LE(p.total, 3u << 20);
  EXPECT_EQ(p.without_reuse, 100u << 20);
}

TEST(MemoryPlanner, SizesRoundUpToTheAlignment) {
  const std::vector<BufferRequest> r = {{1, 0, 1}, {1, 0, 1}, {0, 0, 1}};
  const ArenaLayout p = plan_arena(r, 256);
  EXPECT_EQ(p.offsets, (std::vector<size_t>{0, 256, 0}));
  EXPECT_EQ(p.total, 512u);
  EXPECT_EQ(p.without_reuse, 512u);
}

TEST(MemoryPlanner, TieOrderDecidesAmongEqualSizes) {
  // Two equal buffers: request 0 is used later than request 1. Both fit only side by side.
  const std::vector<BufferRequest> r = {{64, 5, 9}, {64, 1, 9}};
  EXPECT_EQ(plan_arena(r, 64, SizeTies::kRequestOrder).offsets, (std::vector<size_t>{0, 64}));
  EXPECT_EQ(plan_arena(r, 64, SizeTies::kEarlierFirstUse).offsets, (std::vector<size_t>{64, 0}));
}

// ---- the two planners this one replaced, verbatim in behaviour ------------------------------

size_t align_to(size_t v, size_t a) { return (v + a - 1) / a * a; }

// src/backends/cuda/context.cc plan_arena (kAlign = 256): stable sort by size, first fit.
std::pair<std::vector<size_t>, size_t> cuda_planner(const std::vector<BufferRequest>& bufs) {
  const size_t kAlign = 256;
  std::vector<size_t> offset(bufs.size(), 0);
  std::vector<size_t> order(bufs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return bufs[a].bytes > bufs[b].bytes; });
  std::vector<size_t> placed;
  size_t total = 0;
  for (size_t i : order) {
    std::vector<std::pair<size_t, size_t>> busy;
    for (size_t j : placed)
      if (bufs[j].first <= bufs[i].last && bufs[i].first <= bufs[j].last)
        busy.push_back({offset[j], offset[j] + align_to(bufs[j].bytes, kAlign)});
    std::sort(busy.begin(), busy.end());
    size_t off = 0;
    for (auto [lo, hi] : busy) {
      if (off + align_to(bufs[i].bytes, kAlign) <= lo) break;
      off = std::max(off, hi);
    }
    offset[i] = off;
    total = std::max(total, off + align_to(bufs[i].bytes, kAlign));
    placed.push_back(i);
  }
  return {offset, total};
}

// src/backends/cpu/memory_planner.cc (alignment 64): ties by first use, then index; empty
// buffers conflict with nothing.
std::pair<std::vector<size_t>, size_t> cpu_planner(const std::vector<BufferRequest>& r) {
  const size_t kAlign = 64;
  std::vector<size_t> offset(r.size(), 0);
  std::vector<size_t> order(r.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (r[a].bytes != r[b].bytes) return r[a].bytes > r[b].bytes;
    if (r[a].first != r[b].first) return r[a].first < r[b].first;
    return a < b;
  });
  std::vector<size_t> placed;
  size_t arena = 0;
  for (size_t idx : order) {
    const size_t size = align_to(r[idx].bytes, kAlign);
    if (size == 0) {
      placed.push_back(idx);
      continue;
    }
    std::vector<std::pair<size_t, size_t>> conflicts;
    for (size_t p : placed) {
      if (r[p].bytes == 0 || r[p].last < r[idx].first || r[idx].last < r[p].first) continue;
      conflicts.push_back({offset[p], offset[p] + align_to(r[p].bytes, kAlign)});
    }
    std::sort(conflicts.begin(), conflicts.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    size_t off = 0;
    for (const auto& c : conflicts) {
      if (off + size <= c.first) break;
      off = std::max(off, c.second);
    }
    offset[idx] = off;
    arena = std::max(arena, off + size);
    placed.push_back(idx);
  }
  return {offset, arena};
}

TEST(MemoryPlanner, MatchesTheFormerCudaAndCpuPlannersOffsetForOffset) {
  std::mt19937 gen(11);
  for (int trial = 0; trial < 50; ++trial) {
    const std::vector<BufferRequest> r = random_requests(gen, 1 + static_cast<int>(gen() % 300));
    const auto [cuda_offsets, cuda_total] = cuda_planner(r);
    const ArenaLayout cuda = plan_arena(r, 256, SizeTies::kRequestOrder);
    EXPECT_EQ(cuda.offsets, cuda_offsets) << "trial " << trial;
    EXPECT_EQ(cuda.total, cuda_total) << "trial " << trial;
    const auto [cpu_offsets, cpu_total] = cpu_planner(r);
    const ArenaLayout cpu = plan_arena(r, 64, SizeTies::kEarlierFirstUse);
    EXPECT_EQ(cpu.offsets, cpu_offsets) << "trial " << trial;
    EXPECT_EQ(cpu.total, cpu_total) << "trial " << trial;
  }
}

}  // namespace
}  // namespace actrt::runtime
