// Latency of actrt::Policy::step, frames in host memory to the action in host memory (issue 15's
// benchmark; scripts/device-bench-policy runs it on the GPU machine for act-base).
//
//   build/bench/policy_step ENGINE [--steps N] [--warmup N] [--json FILE]
//
// Every step queries the engine (temporal ensembling), on seeded random uint8 frames of the
// contract's size. Two ways of handing frames over are timed:
//   caller   frames in the caller's own (pageable) memory, passed as Frame pointers
//   buffers  frames written into Policy::frame_buffer() (pinned staging on CUDA), step(qpos)
// Reported per way: median, p99, max step latency in ms (nearest-rank percentiles).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "actrt/policy.h"
#include "policy_bench_util.h"

namespace {

struct Stats {
  double median = 0, p99 = 0, max = 0;
};

Stats stats_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  Stats s;
  const size_t n = v.size();
  s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  s.p99 = v[std::min(n - 1, static_cast<size_t>(std::ceil(0.99 * static_cast<double>(n))) - 1)];
  s.max = v.back();
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: policy_step ENGINE [--steps N] [--warmup N] [--json FILE]\n");
    return 2;
  }
  std::string engine_path = argv[1], json_path;
  int steps = 1000, warmup = 50;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--steps") steps = std::max(1, std::atoi(argv[i + 1]));
    else if (a == "--warmup") warmup = std::max(0, std::atoi(argv[i + 1]));
    else if (a == "--json") json_path = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  actrt::PolicyOptions o;
  o.mode = actrt::PolicyOptions::Mode::kTemporalEnsemble;  // a query every step
  std::unique_ptr<actrt::Policy> loaded = actrt::bench::load_policy_or_report(engine_path, o);
  if (!loaded) return 1;
  actrt::Policy& policy = *loaded;
  const actrt::PolicyContract& c = policy.contract();
  actrt::bench::RandomFrames input(c);
  const size_t frame_bytes = input.bytes;
  const auto& pixels = input.pixels;
  const auto& frames = input.frames;
  std::vector<float> qpos(static_cast<size_t>(c.state_dim), 0.1f);

  auto time_way = [&](bool buffers) -> std::vector<double> {
    std::vector<double> ms;
    for (int i = 0; i < warmup + steps; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      actrt::Result<actrt::PolicyStep> s = [&] {
        if (!buffers) return policy.step(frames, qpos);
        // The camera driver's write into the policy's buffer is part of the step here too.
        for (size_t k = 0; k < c.cameras.size(); ++k)
          std::memcpy(policy.frame_buffer(c.cameras[k]), pixels[k].data(), frame_bytes);
        return policy.step(qpos);
      }();
      const double dt = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (!s.ok()) {
        std::fprintf(stderr, "[E] %s\n", s.status().to_string().c_str());
        std::exit(1);
      }
      if (i >= warmup) ms.push_back(dt);
    }
    return ms;
  };
  const Stats caller = stats_of(time_way(false));
  const Stats buffers = stats_of(time_way(true));
  std::printf("policy_step %s: %zu cameras %lldx%lld, %d steps\n", engine_path.c_str(), c.cameras.size(),
              static_cast<long long>(c.image_height), static_cast<long long>(c.image_width), steps);
  std::printf("  caller frames : median %.3f ms, p99 %.3f ms, max %.3f ms\n", caller.median, caller.p99, caller.max);
  std::printf("  frame buffers : median %.3f ms, p99 %.3f ms, max %.3f ms\n", buffers.median, buffers.p99, buffers.max);
  if (!json_path.empty()) {
    if (FILE* f = std::fopen(json_path.c_str(), "w")) {
      std::fprintf(f,
                   "{\"engine\": \"%s\", \"steps\": %d, \"caller\": {\"median_ms\": %.4f, \"p99_ms\": %.4f, "
                   "\"max_ms\": %.4f}, \"buffers\": {\"median_ms\": %.4f, \"p99_ms\": %.4f, \"max_ms\": %.4f}}\n",
                   engine_path.c_str(), steps, caller.median, caller.p99, caller.max, buffers.median, buffers.p99,
                   buffers.max);
      std::fclose(f);
    }
  }
  return 0;
}
