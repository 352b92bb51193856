// Two threads, two CPU contexts, one engine: 10,000 inferences each (ACTRT_CONCURRENCY_INFERENCES)
// give the single-thread outputs bit for bit (concurrent_contexts.h).
#include "concurrent_contexts.h"

TEST(ConcurrentContexts, CpuTwoThreadsMatchOneThread) {
  actrt::test::run_two_contexts_on_one_engine(actrt::BackendKind::kCpu, 0.0);
}
