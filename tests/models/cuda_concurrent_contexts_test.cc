// Two threads, two CUDA contexts (each its own stream and buffers), one engine: 10,000
// inferences each (ACTRT_CONCURRENCY_INFERENCES) give the single-thread outputs
// (concurrent_contexts.h) within 1e-6 relative (FP32; exact equality is not promised where a
// kernel may sum in a different order). Skips without a GPU.
#include "concurrent_contexts.h"
#include "runtime/backend.h"

TEST(CudaConcurrentContexts, TwoThreadsMatchOneThread) {
  const actrt::runtime::Backend* cuda = actrt::runtime::find_backend(actrt::BackendKind::kCuda);
  if (!cuda || !cuda->available().ok()) GTEST_SKIP() << "no CUDA device";
  actrt::test::run_two_contexts_on_one_engine(actrt::BackendKind::kCuda, 1e-6);
}
