// Endurance of actrt::Policy (issue 20): many control steps in one process, with the process's
// resident host memory (and, on a CUDA engine, the device's used memory) sampled as it goes. A
// leak shows as growth between the first and the last sample, after the warm-up.
//
//   build/bench/policy_soak ENGINE [--steps 100000] [--every 5000] [--mode ensemble|chunked]
//
// Frames are seeded random uint8 images of the contract's size, varied every step; qpos too.
// Prints one line per sample (step, host RSS MB, device used MB) and the growth from the sample
// after the first to the last. Exit code 0 in any case: a benchmark reports, it does not judge.
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "actrt/policy.h"
#include "policy_bench_util.h"

namespace {

double host_rss_mb() {
  std::ifstream f("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  f >> pages_total >> pages_resident;
  return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1e6;
}

// Used device memory through the CUDA runtime the CUDA backend already loaded (-1: none).
double device_used_mb() {
  using MemGetInfo = int (*)(size_t*, size_t*);
  static MemGetInfo fn = [] {
    void* lib = dlopen("libcudart.so.13", RTLD_NOW | RTLD_NOLOAD);
    if (!lib) lib = dlopen("libcudart.so", RTLD_NOW | RTLD_NOLOAD);
    return lib ? reinterpret_cast<MemGetInfo>(dlsym(lib, "cudaMemGetInfo")) : nullptr;
  }();
  size_t free_b = 0, total_b = 0;
  if (!fn || fn(&free_b, &total_b) != 0) return -1;
  return static_cast<double>(total_b - free_b) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: policy_soak ENGINE [--steps N] [--every N] [--mode ensemble|chunked]\n");
    return 2;
  }
  long steps = 100000, every = 5000;
  std::string mode = "ensemble";
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--steps") steps = std::max(1L, std::atol(argv[i + 1]));
    else if (a == "--every") every = std::max(1L, std::atol(argv[i + 1]));
    else if (a == "--mode") mode = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  actrt::PolicyOptions o;
  o.mode = mode == "chunked" ? actrt::PolicyOptions::Mode::kChunked : actrt::PolicyOptions::Mode::kTemporalEnsemble;
  std::unique_ptr<actrt::Policy> loaded = actrt::bench::load_policy_or_report(argv[1], o);
  if (!loaded) return 1;
  actrt::Policy& policy = *loaded;
  const actrt::PolicyContract& c = policy.contract();
  actrt::bench::RandomFrames input(c);
  const size_t frame_bytes = input.bytes;
  auto& pixels = input.pixels;
  auto& rng = input.rng;
  const auto& frames = input.frames;
  std::vector<float> qpos(static_cast<size_t>(c.state_dim));
  std::vector<double> rss, dev;
  std::printf("policy_soak %s: %ld steps (%s), sample every %ld\n%10s %14s %16s\n", argv[1], steps, mode.c_str(),
              every, "step", "host RSS MB", "device used MB");
  for (long t = 0; t < steps; ++t) {
    for (auto& p : pixels) p[static_cast<size_t>(rng() % frame_bytes)] = static_cast<uint8_t>(rng());
    for (auto& q : qpos) q = static_cast<float>(static_cast<int>(rng() % 2000) - 1000) / 1000.f;
    if (t % 400 == 0) policy.reset();  // episodes of 400 steps, as ACT's sim tasks
    auto s = policy.step(frames, qpos);
    if (!s.ok()) {
      std::fprintf(stderr, "[E] step %ld: %s\n", t, s.status().to_string().c_str());
      return 1;
    }
    if ((t + 1) % every == 0 || t + 1 == steps) {
      rss.push_back(host_rss_mb());
      dev.push_back(device_used_mb());
      std::printf("%10ld %14.2f %16.2f\n", t + 1, rss.back(), dev.back());
      std::fflush(stdout);
    }
  }
  if (rss.size() >= 2) {
    std::printf("growth from the sample at step %ld to the last: host %+.2f MB, device %+.2f MB\n", every,
                rss.back() - rss[0], dev.back() - dev[0]);
  }
  return 0;
}
