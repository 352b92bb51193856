// The memory planner of every backend: places the intermediate buffers of one inference at
// offsets in ONE arena, reusing the bytes of buffers that are dead.
//
// Each buffer is alive over an inclusive interval of step indices [first, last] (the steps that
// write or read it; graph inputs start at step 0, graph outputs live to the end). Two buffers
// may share bytes only when their intervals intersect nowhere.
//
// Algorithm (greedy by size, first fit; the scheme of TFLite's arena planner): buffers are
// placed from the largest to the smallest; each goes to the lowest offset where it overlaps no
// already-placed buffer whose lifetime intersects its own. Placing big buffers first keeps the
// gaps they leave usable for the many small ones. Sizes are rounded up to `alignment`, so every
// offset is a multiple of it. Cost O(n^2 log n), fine for the few thousand buffers of ACT.
//
// Buffers of equal size are placed in an order the caller picks (SizeTies): the CPU and CUDA
// backends each keep the order they have always used, so that their arenas, and hence their
// engines' results, stay bit-identical.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace actrt::runtime {

struct BufferRequest {
  size_t bytes = 0;
  int first = 0;  // first step that uses the buffer
  int last = 0;   // last step that uses the buffer (inclusive)
};

struct ArenaLayout {
  std::vector<size_t> offsets;  // one per request, multiples of the alignment
  size_t total = 0;             // bytes the arena needs
  size_t without_reuse = 0;     // sum of all aligned requests: what no reuse would cost
};

// Order among requests of equal size.
enum class SizeTies {
  kRequestOrder,    // as given (a stable sort): the CUDA backend
  kEarlierFirstUse  // smaller `first` first, then as given: the CPU backend
};

// `alignment` must be a power of two or any positive number (sizes round up to a multiple).
ArenaLayout plan_arena(std::span<const BufferRequest> requests, size_t alignment,
                       SizeTies ties = SizeTies::kRequestOrder);

}  // namespace actrt::runtime
