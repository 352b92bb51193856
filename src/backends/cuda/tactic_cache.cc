#include "backends/cuda/tactic_cache.h"

#include <atomic>
#include <charconv>

#include "backends/cuda/cuda_check.h"

namespace actrt::cuda {

namespace {
std::atomic<size_t> g_timings{0};
}  // namespace

Result<std::string> timing_cache_device() {
  int dev = 0;
  CUDA_RETURN_IF_ERROR(cudaGetDevice(&dev), "timing cache device query");
  cudaDeviceProp prop{};
  CUDA_RETURN_IF_ERROR(cudaGetDeviceProperties(&prop, dev), "timing cache device query");
  std::string name = prop.name;
  for (char& c : name)
    if (c == '\t' || c == '\n' || c == '\r' || c == '|') c = ' ';  // fields of the cache line
  return name + "|sm_" + std::to_string(prop.major) + std::to_string(prop.minor) +
         "|cudnn=" + std::to_string(cudnnGetVersion()) +
         "|cublasLt=" + std::to_string(cublasLtGetVersion());
}

Result<std::string> cached_or_timed_text_tactic(
    engine::TimingCache* cache, const std::string& key, const std::string& what,
    const std::function<Result<TimedTextTactic>()>& time,
    const std::function<Status(const std::string&)>& check) {
  if (cache) {
    if (const engine::TimingEntry* e = cache->find(key)) {
      RETURN_IF_ERROR(check(e->tactic).with_context(
          "timing cache: " + what + " " + e->tactic + " recorded for '" + key +
          "' is refused here (delete the cache file to re-time)"));
      return e->tactic;
    }
  }
  ++g_timings;
  ASSIGN_OR_RETURN(TimedTextTactic t, time());
  if (cache) RETURN_IF_ERROR(cache->record(key, t.tactic, t.ms));
  return t.tactic;
}

Result<int> cached_or_timed_tactic(engine::TimingCache* cache, const std::string& key,
                                   const std::string& what,
                                   const std::function<Result<TimedTactic>()>& time,
                                   const std::function<Status(int)>& check) {
  auto parse = [&](const std::string& text) -> Result<int> {
    int id = 0;
    const char* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, id);
    if (ec != std::errc() || p != end || id < 0)
      return invalid_argument("'" + text + "' is not a " + what + " id");
    return id;
  };
  ASSIGN_OR_RETURN(
      std::string text,
      cached_or_timed_text_tactic(
          cache, key, what,
          [&]() -> Result<TimedTextTactic> {
            ASSIGN_OR_RETURN(TimedTactic t, time());
            return TimedTextTactic{std::to_string(t.id), t.ms};
          },
          [&](const std::string& cached) -> Status {
            ASSIGN_OR_RETURN(int id, parse(cached));
            return check(id);
          }));
  return parse(text);
}

size_t tactic_timings() { return g_timings.load(); }

}  // namespace actrt::cuda
