// A minimal parallel loop for host work whose items are independent (per-tensor calibration
// thresholds, chunks of generated data): each item's result goes to its own slot, so the results
// do not depend on the number of threads or on which thread ran what.
//
//   parallel_for(tensors.size(), [&](size_t k) { amax[k] = entropy_amax(hist[k], max[k]); });
#pragma once

#include <cstddef>
#include <functional>

namespace actrt {

// Calls fn(i) once for every i in [0, n), on up to `max_threads` threads (0: one per hardware
// thread) including the caller's; returns when all calls have returned. Items are handed out one
// at a time, so uneven items balance. If no thread can be started, the caller runs them all.
// `fn` must not throw.
void parallel_for(size_t n, const std::function<void(size_t)>& fn, unsigned max_threads = 0);

}  // namespace actrt
