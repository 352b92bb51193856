#include "backends/cpu/memory_planner.h"

#include <algorithm>
#include <numeric>

namespace actrt::cpu {

namespace {
size_t align_up(size_t v) { return (v + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment; }
}  // namespace

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests) {
  MemoryPlan plan;
  const size_t n = requests.size();
  plan.offsets.assign(n, 0);
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (requests[a].bytes != requests[b].bytes) return requests[a].bytes > requests[b].bytes;
    if (requests[a].first != requests[b].first) return requests[a].first < requests[b].first;
    return a < b;
  });

  struct Placed {
    size_t offset, end;
  };
  std::vector<size_t> placed;  // indices of requests already placed
  std::vector<Placed> conflicts;
  for (size_t idx : order) {
    const BufferRequest& r = requests[idx];
    const size_t size = align_up(r.bytes);
    plan.total_bytes += size;
    if (size == 0) {
      placed.push_back(idx);
      continue;
    }
    conflicts.clear();
    for (size_t p : placed) {
      const BufferRequest& q = requests[p];
      if (q.bytes == 0 || q.last < r.first || r.last < q.first) continue;  // not alive together
      conflicts.push_back({plan.offsets[p], plan.offsets[p] + align_up(q.bytes)});
    }
    std::sort(conflicts.begin(), conflicts.end(),
              [](const Placed& a, const Placed& b) { return a.offset < b.offset; });
    size_t offset = 0;  // lowest offset that fits in a gap between conflicting ranges
    for (const Placed& c : conflicts) {
      if (offset + size <= c.offset) break;
      offset = std::max(offset, c.end);
    }
    plan.offsets[idx] = offset;
    plan.arena_bytes = std::max(plan.arena_bytes, offset + size);
    placed.push_back(idx);
  }
  return plan;
}

}  // namespace actrt::cpu
