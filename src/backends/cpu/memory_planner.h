// Memory planner of the CPU backend: places every intermediate buffer of one inference at an
// offset in ONE arena, reusing the bytes of buffers that are dead.
//
// Each buffer is alive over an inclusive interval of step indices [first, last] (the steps that
// write or read it; graph inputs start at step 0, graph outputs live to the end). Two buffers
// may share bytes only when their intervals do not intersect.
//
// Algorithm (greedy by size, first fit; the scheme of TFLite's arena planner): buffers are
// placed from the largest to the smallest (ties: earlier first, then by index, so the result is
// deterministic); each goes to the lowest aligned offset where it overlaps no already-placed
// buffer whose lifetime intersects its own. Placing big buffers first keeps the gaps they leave
// usable for the many small ones. Cost O(n^2 log n), fine for the few thousand buffers of ACT.
#pragma once

#include <cstddef>
#include <vector>

namespace actrt::cpu {

struct BufferRequest {
  size_t bytes = 0;
  int first = 0;  // first step that uses the buffer
  int last = 0;   // last step that uses the buffer (inclusive)
};

struct MemoryPlan {
  std::vector<size_t> offsets;  // one per request, multiples of `alignment`
  size_t arena_bytes = 0;       // bytes the arena needs
  size_t total_bytes = 0;       // sum of all (aligned) requests: what no reuse would cost
};

// Alignment of every offset (a cache line, and what oneDNN likes for AVX-512 loads).
inline constexpr size_t kArenaAlignment = 64;

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests);

}  // namespace actrt::cpu
