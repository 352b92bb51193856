// Times the CPU backend on an ACT ONNX model (default models/act-tiny/act-tiny.onnx).
//
//   cpu_backend_bench [MODEL.onnx] [--threads N] [--iterations N] [--profile] [--reference]
//
// Prints build time, arena size, latency (min / median / mean over iterations after warm-up),
// and with --profile the slowest layers and the time per kernel family. With --reference it
// also checks the outputs against the reference executor (max abs error / max |ref|).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "backends/cpu/cpu_context.h"
#include "backends/reference/executor.h"
#include "runtime/backend.h"
#include "onnx/importer.h"
#include "passes/pass_manager.h"

using namespace actrt;

namespace {

using Clock = std::chrono::steady_clock;
double ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

int fail(const Status& s) {
  std::fprintf(stderr, "[E] %s\n", s.to_string().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path = std::string(ACTRT_SOURCE_DIR) + "/models/act-tiny/act-tiny.onnx";
  int threads = 2, iterations = 20;
  bool profile = false, check = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--iterations") && i + 1 < argc) iterations = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--profile")) profile = true;
    else if (!std::strcmp(argv[i], "--reference")) check = true;
    else path = argv[i];
  }
  auto t0 = Clock::now();
  auto graph = onnx_import::import_file(path);
  if (!graph.ok()) return fail(graph.status());
  auto opt = passes::optimize(*graph.value());
  if (!opt.ok()) return fail(opt.status());
  auto t1 = Clock::now();
  const runtime::Backend* be = runtime::find_backend(BackendKind::kCpu);
  if (!be) return fail(internal_error("CPU backend not registered"));
  runtime::Plan plan;
  plan.graph = graph.value()->clone();
  BuilderConfig config;
  config.threads = threads;
  if (Status s = be->compile(plan, config); !s.ok()) return fail(s);
  auto t2 = Clock::now();
  auto ctx = be->create_context(plan, {});
  if (!ctx.ok()) return fail(ctx.status());
  auto t3 = Clock::now();
  auto* cpu_ctx = dynamic_cast<cpu::CpuContext*>(ctx.value().get());
  std::printf("model %s\nthreads %d, target %s\n", path.c_str(), threads, plan.target.c_str());
  std::printf("import+optimize %.1f ms, compile %.1f ms, create_context %.1f ms\n", ms(t0, t1),
              ms(t1, t2), ms(t2, t3));
  std::map<std::string, int> kernels;
  for (const auto& [name, choice] : plan.layers) ++kernels[choice.kernel];
  for (const auto& [k, n] : kernels) std::printf("  %-24s %d\n", k.c_str(), n);
  if (cpu_ctx)
    std::printf("arena %.1f MB (sum of all buffers %.1f MB), %zu steps\n",
                cpu_ctx->memory_plan().total / 1e6, cpu_ctx->memory_plan().without_reuse / 1e6,
                cpu_ctx->step_count());

  runtime::TensorMap feeds;
  std::mt19937 gen(1);
  std::uniform_real_distribution<float> dist(0.0f, 1.0f);
  for (const ir::Value* in : plan.graph->inputs()) {
    if (in->is_constant()) continue;
    Tensor t(in->dtype(), in->shape());
    for (float& x : t.span<float>()) x = dist(gen);
    feeds[in->name()] = t;
  }
  runtime::TensorMap outs;
  for (int i = 0; i < 3; ++i)
    if (Status s = ctx.value()->infer(feeds, outs); !s.ok()) return fail(s);
  std::vector<double> times;
  for (int i = 0; i < iterations; ++i) {
    if (Status s = ctx.value()->infer(feeds, outs); !s.ok()) return fail(s);
    times.push_back(ctx.value()->last_compute_ms());
  }
  std::sort(times.begin(), times.end());
  double mean = 0;
  for (double t : times) mean += t / times.size();
  std::printf("latency ms: min %.3f  median %.3f  mean %.3f  (%d iterations)\n", times.front(),
              times[times.size() / 2], mean, iterations);

  if (profile) {
    auto prof = ctx.value()->profile(feeds);
    if (!prof.ok()) return fail(prof.status());
    std::map<std::string, double> by_kernel;
    double total = 0;
    for (const auto& lt : prof.value()) {
      auto it = plan.layers.find(lt.name);
      by_kernel[it != plan.layers.end() ? it->second.kernel : lt.op_type] += lt.ms;
      total += lt.ms;
    }
    std::printf("profile total %.3f ms; by kernel:\n", total);
    for (const auto& [k, t] : by_kernel) std::printf("  %-24s %8.3f ms\n", k.c_str(), t);
    auto sorted = prof.value();
    std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.ms > b.ms; });
    std::printf("slowest layers:\n");
    for (size_t i = 0; i < std::min<size_t>(15, sorted.size()); ++i)
      std::printf("  %8.3f ms  %-14s %s\n", sorted[i].ms, sorted[i].op_type.c_str(), sorted[i].name.c_str());
  }
  if (check) {
    auto ref = reference::Executor(*graph.value()).run(feeds);
    if (!ref.ok()) return fail(ref.status());
    for (const auto& [name, r] : ref.value()) {
      const Tensor& o = outs[name];
      double err = 0, mx = 0;
      for (int64_t i = 0; i < r.numel(); ++i) {
        err = std::max(err, std::abs(o.element_as_double(i) - r.element_as_double(i)));
        mx = std::max(mx, std::abs(r.element_as_double(i)));
      }
      std::printf("output %s: max abs err %.3g, relative %.3g\n", name.c_str(), err, mx ? err / mx : err);
    }
  }
  return 0;
}
