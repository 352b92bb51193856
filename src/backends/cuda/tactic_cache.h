// The CUDA backend's side of the timing cache (engine/timing_cache.h): the device identity its
// entries are recorded under, and one call that either reuses a cached tactic or times a new one.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "actrt/status.h"
#include "engine/timing_cache.h"

namespace actrt::cuda {

// "<GPU name>|sm_<cc>|cudnn=<version>|cublasLt=<version>": a tactic timed on another GPU model
// or with other library versions may be wrong or refused, so entries are per this string.
Result<std::string> timing_cache_device();

// A tactic and the time it took when it was chosen.
struct TimedTactic {
  int id = 0;
  double ms = 0;
};

// The tactic for `key`: from `cache` when it holds one (no timing at all; `check` confirms the
// library still accepts it, so a hand-edited cache fails the build, not the engine), else from
// `time()`, which is counted (tactic_timings()) and recorded in `cache`. `cache` may be null.
// `what` names the kind of tactic in errors ("cuDNN convolution algorithm").
Result<int> cached_or_timed_tactic(engine::TimingCache* cache, const std::string& key,
                                   const std::string& what,
                                   const std::function<Result<TimedTactic>()>& time,
                                   const std::function<Status(int)>& check);

// The same for tactics that are text (a cuDNN graph-API engine configuration, conv_choice.h):
// `time()` returns the tactic and its time, `check` confirms a cached one.
struct TimedTextTactic {
  std::string tactic;
  double ms = 0;
};
Result<std::string> cached_or_timed_text_tactic(
    engine::TimingCache* cache, const std::string& key, const std::string& what,
    const std::function<Result<TimedTextTactic>()>& time,
    const std::function<Status(const std::string&)>& check);

// How many tactic timings (one per layer geometry) builds in this process have run. Tests use
// it to check that a warm timing cache skips all timing.
size_t tactic_timings();

}  // namespace actrt::cuda
