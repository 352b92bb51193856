// Shared by concurrent_contexts_test.cc (CPU) and cuda_concurrent_contexts_test.cc (CUDA): two
// threads, each with its own execution context on ONE engine, run many inferences and must get,
// bit for bit, the outputs one thread gets (docs/user-guide.md 'Threads').
//
// The inference count per thread is ACTRT_CONCURRENCY_INFERENCES (default 10,000; the sanitizer
// run, make sanitize-test, lowers it). Each thread cycles through a few different feeds, offset
// from the other thread's, so that a context reading another's buffers would give a wrong
// answer rather than an equal one.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "act_tiny_fixture.h"
#include "actrt/engine.h"
#include "actrt/runners.h"

namespace actrt::test {

inline int64_t concurrency_inferences() {
  if (const char* n = std::getenv("ACTRT_CONCURRENCY_INFERENCES")) {
    const int64_t v = std::atoll(n);
    if (v > 0) return v;
  }
  return 10000;
}

// Feed `k` of a few distinct ones: values from a small LCG, images in [0, 1).
inline TensorMap concurrency_feed(const std::vector<TensorInfo>& inputs, uint32_t k) {
  TensorMap feed;
  uint32_t state = 12345u + 7919u * k;
  for (const TensorInfo& in : inputs) {
    Tensor t(in.dtype, in.shape);
    if (in.dtype == DataType::kFloat32) {
      for (float& v : std::span<float>(t.data<float>(), static_cast<size_t>(t.numel()))) {
        state = state * 1664525u + 1013904223u;
        v = static_cast<float>(state >> 8) / 16777216.0f;
      }
    } else {
      std::memset(t.raw_data(), 0, t.nbytes());
    }
    feed[in.name] = std::move(t);
  }
  return feed;
}

// `a` equals `b`: bit for bit when `tolerance` is 0, else within relative_max_error.
inline bool same_outputs(const TensorMap& a, const TensorMap& b, double tolerance) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, t] : a) {
    const auto it = b.find(name);
    if (it == b.end() || it->second.dtype() != t.dtype() || it->second.shape() != t.shape())
      return false;
    if (tolerance == 0) {
      if (std::memcmp(it->second.raw_data(), t.raw_data(), t.nbytes()) != 0) return false;
    } else if (!(relative_max_error(t, it->second) <= tolerance)) {
      return false;
    }
  }
  return true;
}

// Builds act-tiny for `backend`, computes each feed's outputs with one context, then runs two
// threads, each creating its own context (concurrently) and running `inferences` inferences.
// `tolerance` 0 asks for bitwise equality (CPU: same thread count, deterministic kernels); the
// feeds' outputs differ by far more than any tolerance used here, so a context that read
// another's buffers still fails.
inline void run_two_contexts_on_one_engine(BackendKind backend, double tolerance) {
  if (!std::filesystem::exists(kActTinyModel)) GTEST_SKIP() << kActTinyModel << " not present";
  auto network = network_from_onnx_path_shared(kActTinyModel);
  ASSERT_TRUE(network.ok()) << network.status().to_string();
  BuilderConfig config;
  config.backend = backend;
  config.threads = 1;  // the same thread count in every context: bitwise-equal CPU results
  auto built = engine_from_network(*network.value(), config);
  ASSERT_TRUE(built.ok()) << built.status().to_string();
  const std::shared_ptr<Engine> engine = built.value();
  const EngineLoader same_engine = [engine]() -> Result<std::shared_ptr<Engine>> { return engine; };
  EngineRunnerOptions options;
  options.threads = 1;

  constexpr uint32_t kFeeds = 3;
  std::vector<TensorMap> feeds, expected;
  {
    auto single = make_engine_runner(same_engine, "single", options);
    RunnerActivation active(*single);
    ASSERT_TRUE(active.ok()) << active.status().to_string();
    for (uint32_t k = 0; k < kFeeds; ++k) {
      feeds.push_back(concurrency_feed(engine->inputs(), k));
      auto out = single->infer(feeds.back());
      ASSERT_TRUE(out.ok()) << out.status().to_string();
      expected.push_back(std::move(out.value()));
    }
    ASSERT_FALSE(same_outputs(expected[0], expected[1], 1e-2)) << "the feeds must give different outputs";
  }

  const int64_t inferences = concurrency_inferences();
  struct ThreadResult {
    int64_t done = 0, mismatches = 0;
    std::string error;
  };
  std::vector<ThreadResult> results(2);
  std::atomic<int> ready{0};
  auto work = [&](int thread) {
    ThreadResult& r = results[thread];
    auto runner = make_engine_runner(same_engine, "thread" + std::to_string(thread), options);
    RunnerActivation active(*runner);  // each thread creates its own context, both at once
    if (!active.ok()) {
      r.error = active.status().to_string();
      ++ready;
      return;
    }
    ++ready;
    while (ready.load() < 2) std::this_thread::yield();  // infer only once both contexts exist
    for (int64_t i = 0; i < inferences; ++i) {
      const uint32_t k = static_cast<uint32_t>(i + thread) % kFeeds;
      auto out = runner->infer(feeds[k]);
      if (!out.ok()) {
        r.error = "inference " + std::to_string(i) + ": " + out.status().to_string();
        return;
      }
      if (!same_outputs(out.value(), expected[k], tolerance) && r.mismatches++ == 0)
        r.error = "inference " + std::to_string(i) + " (feed " + std::to_string(k) +
                  ") differs from the single-thread outputs";
      ++r.done;
    }
  };
  std::thread a(work, 0), b(work, 1);
  a.join();
  b.join();
  for (int t = 0; t < 2; ++t) {
    SCOPED_TRACE("thread " + std::to_string(t));
    EXPECT_EQ(results[t].done, inferences) << results[t].error;
    EXPECT_EQ(results[t].mismatches, 0) << results[t].error;
  }
}

}  // namespace actrt::test
