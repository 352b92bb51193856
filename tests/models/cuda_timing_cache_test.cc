// A warm timing cache: the second CUDA build of act-tiny times no tactic at all and gives the
// same engine bytes as the first. Skips without a GPU.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "act_tiny_fixture.h"
#include "actrt/engine.h"
#include "backends/cuda/tactic_cache.h"
#include "runtime/backend.h"
#include "engine/timing_cache.h"

namespace fs = std::filesystem;
using namespace actrt;

namespace {

void check_warm_cache(bool fp16) {
  const runtime::Backend* cuda = runtime::find_backend(BackendKind::kCuda);
  if (!cuda || !cuda->available().ok()) GTEST_SKIP() << "no CUDA device";
  if (!fs::exists(test::kActTinyModel)) GTEST_SKIP() << test::kActTinyModel << " not present";
  const fs::path dir = fs::temp_directory_path() /
                       ("actrt_cuda_timing_cache_" + std::to_string(::getpid()) + (fp16 ? "_fp16" : "_fp32"));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto net = network_from_onnx_path_shared(test::kActTinyModel);
  ASSERT_TRUE(net.ok()) << net.status().to_string();
  BuilderConfig config;
  config.backend = BackendKind::kCuda;
  config.fp16 = fp16;
  config.timing_cache_path = (dir / "act-tiny.cache").string();

  const size_t t0 = cuda::tactic_timings();
  auto first = engine_from_network(*net.value(), config);
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  const size_t timed_first = cuda::tactic_timings() - t0;
  EXPECT_GT(timed_first, 0u) << "act-tiny has convolutions: the cold build must time them";
  auto cache = engine::TimingCache::load_or_empty(config.timing_cache_path);
  ASSERT_TRUE(cache.ok()) << cache.status().to_string();
  EXPECT_EQ(cache->size(), timed_first) << "one entry per timed geometry";

  const size_t t1 = cuda::tactic_timings();
  auto second = engine_from_network(*net.value(), config);
  ASSERT_TRUE(second.ok()) << second.status().to_string();
  EXPECT_EQ(cuda::tactic_timings() - t1, 0u) << "a warm cache must skip every timing";

  auto a = first.value()->serialize();
  auto b = second.value()->serialize();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a.value() == b.value()) << "engines differ (" << a->size() << " vs " << b->size() << " bytes)";

  // Without the cache the build times again (the counter is not stuck).
  config.timing_cache_path.clear();
  const size_t t2 = cuda::tactic_timings();
  ASSERT_TRUE(engine_from_network(*net.value(), config).ok());
  EXPECT_EQ(cuda::tactic_timings() - t2, timed_first);
  fs::remove_all(dir);
}

}  // namespace

TEST(CudaTimingCache, WarmCacheSkipsTimingFp32) { check_warm_cache(false); }
TEST(CudaTimingCache, WarmCacheSkipsTimingFp16) { check_warm_cache(true); }
