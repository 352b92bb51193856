#include "runtime/memory_planner.h"

#include <algorithm>
#include <numeric>

namespace actrt::runtime {

ArenaLayout plan_arena(std::span<const BufferRequest> requests, size_t alignment,
                       SizeTies ties) {
  const auto align_up = [alignment](size_t v) {
    return (v + alignment - 1) / alignment * alignment;
  };
  ArenaLayout layout;
  const size_t n = requests.size();
  layout.offsets.assign(n, 0);
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (requests[a].bytes != requests[b].bytes) return requests[a].bytes > requests[b].bytes;
    return ties == SizeTies::kEarlierFirstUse && requests[a].first < requests[b].first;
  });

  struct Range {
    size_t begin, end;
  };
  std::vector<size_t> placed;  // indices of requests already placed
  std::vector<Range> busy;     // placed ranges alive together with the current request
  for (size_t idx : order) {
    const BufferRequest& r = requests[idx];
    const size_t size = align_up(r.bytes);
    layout.without_reuse += size;
    busy.clear();
    for (size_t p : placed) {
      const BufferRequest& q = requests[p];
      // Empty buffers occupy nothing; the rest conflict when their lifetimes intersect.
      if (q.bytes == 0 || q.last < r.first || r.last < q.first) continue;
      busy.push_back({layout.offsets[p], layout.offsets[p] + align_up(q.bytes)});
    }
    std::sort(busy.begin(), busy.end(),
              [](const Range& a, const Range& b) { return a.begin < b.begin; });
    size_t offset = 0;  // the lowest offset that fits in a gap between busy ranges
    if (size > 0) {
      for (const Range& c : busy) {
        if (offset + size <= c.begin) break;
        offset = std::max(offset, c.end);
      }
    }
    layout.offsets[idx] = offset;
    layout.total = std::max(layout.total, offset + size);
    placed.push_back(idx);
  }
  return layout;
}

}  // namespace actrt::runtime
