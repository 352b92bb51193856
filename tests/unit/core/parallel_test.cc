#include "core/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace actrt {
namespace {

TEST(ParallelFor, CallsEveryItemExactlyOnceForAnyThreadCount) {
  for (unsigned threads : {0u, 1u, 2u, 3u, 64u}) {
    for (size_t n : {size_t(0), size_t(1), size_t(7), size_t(1000)}) {
      std::vector<std::atomic<int>> calls(n);
      parallel_for(
          n, [&](size_t i) { calls[i].fetch_add(1); }, threads);
      for (size_t i = 0; i < n; ++i) EXPECT_EQ(calls[i].load(), 1) << "n " << n << " item " << i;
    }
  }
}

TEST(ParallelFor, ResultsPerSlotDoNotDependOnTheThreads) {
  auto run = [](unsigned threads) {
    std::vector<double> out(257);
    parallel_for(
        out.size(),
        [&](size_t i) {
          double s = 0;
          for (size_t k = 0; k <= i; ++k) s += 1.0 / double(k + 1);
          out[i] = s;
        },
        threads);
    return out;
  };
  EXPECT_EQ(run(1), run(0));
  EXPECT_EQ(run(1), run(5));
}

}  // namespace
}  // namespace actrt
