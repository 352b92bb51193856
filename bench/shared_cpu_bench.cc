// The CPU backend on a shared computer: runs an engine (default: the act-tiny CPU engine) with
// the CPU idle, then again while another process keeps one core busy, and reports the ratio of
// the two median latencies. A robot computer always shares its cores (camera drivers, ROS, the
// controller); the goal is a ratio of at most 1.5 (issue 16; docs/dev/performance.md keeps the
// measurements).
//
//   shared_cpu_bench [MODEL.onnx] [--threads N] [--iterations N] [--busy-core C] [--json]
//                    [--libgomp-default]
//
// --threads 0 (the default) takes the CPU backend's default thread count, and the OpenMP wait
// policy is the actrt CLI's (core/thread_policy.h: PASSIVE unless OMP_WAIT_POLICY or
// GOMP_SPINCOUNT is set): what is being measured. --libgomp-default keeps libgomp's own policy
// (spin, then sleep), as actrt did before; with --threads 2 on 2 cores that is the old default. The busy loop is a forked child pinned to core C (default: the last core this
// process may run on), spinning until it is killed; it starts after the idle run and is stopped
// before the report. The latencies are wall times of infer() (host to host). The environment
// (OMP_WAIT_POLICY, other load on the machine) is part of the result: the report prints it.
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "actrt/builder_config.h"
#include "actrt/engine.h"
#include "actrt/network.h"
#include "actrt/runner.h"
#include "actrt/runners.h"
#include "actrt/threads.h"

namespace {

struct Stats {
  double median = 0, p90 = 0, max = 0, mean = 0, cv = 0;
};

Stats stats_of(std::vector<double> ms) {
  Stats s;
  std::sort(ms.begin(), ms.end());
  s.median = ms[ms.size() / 2];
  s.p90 = ms[ms.size() * 9 / 10];
  s.max = ms.back();
  for (double x : ms) s.mean += x / ms.size();
  double var = 0;
  for (double x : ms) var += (x - s.mean) * (x - s.mean) / ms.size();
  s.cv = s.mean > 0 ? std::sqrt(var) / s.mean : 0;
  return s;
}

// Seeded inputs in [0, 1) (never zeros), without internal headers.
actrt::Tensor make_input(const actrt::TensorInfo& info, uint64_t seed) {
  actrt::Tensor t(info.dtype, info.shape);
  if (info.dtype == actrt::DataType::kFloat32) {
    uint64_t state = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    for (float& x : t.span<float>()) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      x = static_cast<float>(state >> 40) / static_cast<float>(1ULL << 24);
    }
  }
  return t;
}

// A child process spinning on `core` until killed; -1 if it could not be started.
pid_t start_busy_loop(int core) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  // Child: only system calls and a loop (the parent has threads; nothing else is safe here).
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  sched_setaffinity(0, sizeof(set), &set);
  volatile unsigned long spin = 0;
  for (;;) spin = spin + 1;
}

void stop_busy_loop(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

int last_allowed_core() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 0;
  int last = 0;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) last = c;
  return last;
}

int fail(const actrt::Status& s) {
  std::fprintf(stderr, "[E] %s\n", s.to_string().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  bool libgomp_default = false;
  for (int i = 1; i < argc; ++i) libgomp_default |= !std::strcmp(argv[i], "--libgomp-default");
  if (!libgomp_default) actrt::prefer_passive_openmp_wait(argv);  // as the CLI does
  std::string path = std::string(ACTRT_SOURCE_DIR) + "/models/act-tiny/act-tiny.onnx";
  int threads = 0, iterations = 40, busy_core = -1;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--iterations") && i + 1 < argc) iterations = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--busy-core") && i + 1 < argc) busy_core = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--json")) json = true;
    else if (!std::strcmp(argv[i], "--libgomp-default")) continue;
    else path = argv[i];
  }
  if (iterations < 3) iterations = 3;
  if (busy_core < 0) busy_core = last_allowed_core();

  auto network = actrt::network_from_onnx_path(path);
  if (!network.ok()) return fail(network.status());
  actrt::BuilderConfig config;
  config.backend = actrt::BackendKind::kCpu;
  config.threads = threads;
  auto built = actrt::engine_from_network(*network, config);
  if (!built.ok()) return fail(built.status());
  std::shared_ptr<actrt::Engine> engine = std::move(*built);
  actrt::EngineRunnerOptions options;
  options.threads = threads;
  auto runner = actrt::make_engine_runner(
      [engine]() -> actrt::Result<std::shared_ptr<actrt::Engine>> { return engine; }, "", options);
  actrt::RunnerActivation active(*runner);
  if (!active.status().ok()) return fail(active.status());
  actrt::TensorMap feed;
  uint64_t seed = 1;
  for (const auto& in : runner->input_metadata()) feed[in.name] = make_input(in, seed++);

  auto measure = [&](std::vector<double>& ms) -> actrt::Status {
    for (int i = 0; i < 3; ++i) RETURN_IF_ERROR(runner->infer(feed).status());  // warm-up
    for (int i = 0; i < iterations; ++i) {
      RETURN_IF_ERROR(runner->infer(feed).status());
      ms.push_back(runner->last_inference_time_ms());
    }
    return actrt::ok_status();
  };
  std::vector<double> idle_ms, busy_ms;
  if (actrt::Status s = measure(idle_ms); !s.ok()) return fail(s);
  const pid_t busy = start_busy_loop(busy_core);
  if (busy < 0) {
    std::perror("fork");
    return 1;
  }
  usleep(200 * 1000);  // let the scheduler see the spinner
  const actrt::Status s = measure(busy_ms);
  stop_busy_loop(busy);
  if (!s.ok()) return fail(s);

  const Stats idle = stats_of(idle_ms), loaded = stats_of(busy_ms);
  const double ratio = loaded.median / idle.median;
  const double mean_ratio = loaded.mean / idle.mean;
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  // What the context runs with: --threads, else the CPU backend's default.
  const int effective_threads = threads > 0 ? threads : actrt::default_threads();
  if (json) {
    std::printf(
        "{\"model\": \"%s\", \"threads_option\": %d, \"effective_threads\": %d, \"cores\": %ld, "
        "\"busy_core\": %d, \"omp_wait_policy\": \"%s\", \"iterations\": %d, "
        "\"idle_median_ms\": %.3f, \"idle_p90_ms\": %.3f, \"idle_mean_ms\": %.3f, "
        "\"idle_cv\": %.3f, \"busy_median_ms\": %.3f, \"busy_p90_ms\": %.3f, "
        "\"busy_mean_ms\": %.3f, \"busy_cv\": %.3f, \"ratio\": %.3f, \"mean_ratio\": %.3f}\n",
        path.c_str(), threads, effective_threads, cores, busy_core, policy ? policy : "",
        iterations, idle.median, idle.p90, idle.mean, idle.cv, loaded.median, loaded.p90,
        loaded.mean, loaded.cv, ratio, mean_ratio);
  } else {
    std::printf("model %s\n", path.c_str());
    std::printf("threads option %d (runs with %d), %ld cores online, busy loop on core %d, "
                "OMP_WAIT_POLICY=%s\n",
                threads, effective_threads, cores, busy_core,
                policy ? policy : "(unset: libgomp spins, then sleeps)");
    for (const auto& [label, st] : {std::pair<const char*, Stats>{"idle:     ", idle},
                                    std::pair<const char*, Stats>{"busy core:", loaded}})
      std::printf("%s median %8.3f ms  p90 %8.3f ms  max %8.3f ms  mean %8.3f ms  cv %.2f  "
                  "(%d runs)\n",
                  label, st.median, st.p90, st.max, st.mean, st.cv, iterations);
    std::printf("ratio busy/idle: medians %.2fx, means %.2fx  (goal <= 1.5x)\n", ratio, mean_ratio);
  }
  return 0;
}
