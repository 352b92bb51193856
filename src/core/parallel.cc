#include "core/parallel.h"

#include <algorithm>
#include <atomic>
#include <system_error>
#include <thread>
#include <vector>

namespace actrt {

void parallel_for(size_t n, const std::function<void(size_t)>& fn, unsigned max_threads) {
  if (n == 0) return;
  unsigned threads = max_threads ? max_threads : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<size_t>(threads, n));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // fewer helpers; the caller's share grows
    }
  }
  work();
  for (std::thread& t : pool) t.join();
}

}  // namespace actrt
