// actrt bench MODEL|ENGINE: trtexec-style latency and throughput of one engine.
//
// What is timed (docs/dev/performance.md): one ExecutionContext::infer() per iteration on a fixed,
// seeded random feed, host clock around the call: on the GPU that is H2D + compute + D2H (what
// trtexec calls Latency), on the CPU the whole forward. The context's own last_compute_ms() (CUDA
// events around the steps on the GPU) gives the compute time; the difference is the transfers
// plus host overhead (our contexts do not time H2D and D2H separately). Warm-up first (the first
// CUDA infer runs eagerly and the second captures the CUDA graph: both stay out of the numbers),
// then at least --iterations AND at least --duration seconds, as trtexec does.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>

#include "core/limits.h"
#include "actrt/engine.h"
#include "actrt/log.h"
#include "args.h"
#include "bench_context.h"
#include "build_options.h"
#include "calib_options.h"
#include "cli_common.h"
#include "command.h"
#include "compare/latency.h"
#include "core/json.h"
#include "data/random_loader.h"
#include "memory_report.h"

namespace actrt::cli {
namespace {

using compare::LatencyStats;

struct ProfileRow {
  std::string name, op_type, kernel, precision;
  double ms = 0;
};

struct ProfileSummary {
  int runs = 0;
  double total_ms = 0;
  std::vector<ProfileRow> layers;  // in execution order
  struct Group {
    int count = 0;
    double ms = 0;
  };
  std::map<std::string, Group> by_op;
};

struct BenchResult {
  std::string source;  // the MODEL or ENGINE argument
  bool built = false;
  double build_s = 0;
  std::string backend, target, precisions;
  int threads = 0;
  int64_t warmup_iterations = 0;
  double wall_s = 0;
  double throughput_qps = 0;
  LatencyStats latency, compute, transfer;
  bool gpu = false;
  std::optional<std::string> warning;
  std::optional<ProfileSummary> profile;
  runtime::MemoryUsage memory;  // what the benchmarked context allocated
};

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

// Runs profile() `runs` times and keeps each layer's median: one profiled run is noisy, and the
// per-step synchronization that profiling needs makes its total larger than the timed latency.
Result<ProfileSummary> run_profile(runtime::ExecutionContext& context, const Engine& engine,
                                   const TensorMap& feed, int runs) {
  std::vector<std::vector<runtime::LayerTime>> all;
  for (int r = 0; r < runs; ++r) {
    ASSIGN_OR_RETURN(auto times, context.profile(feed));
    if (!all.empty() && times.size() != all.front().size())
      return internal_error(fmt::format("profile: run {} reported {} layers, the first {}", r,
                                        times.size(), all.front().size()));
    all.push_back(std::move(times));
  }
  std::map<std::string, LayerInfo> info;
  for (auto& l : engine.layers()) info[l.name] = l;
  ProfileSummary s;
  s.runs = runs;
  if (all.empty()) return s;
  for (size_t i = 0; i < all.front().size(); ++i) {
    std::vector<double> ms;
    for (const auto& run : all) ms.push_back(run[i].ms);
    ProfileRow row;
    row.name = all.front()[i].name;
    row.op_type = all.front()[i].op_type;
    row.ms = median_of(ms);
    if (auto it = info.find(row.name); it != info.end()) {
      row.kernel = it->second.kernel;
      row.precision = std::string(precision_name(it->second.precision));
      if (row.op_type.empty()) row.op_type = it->second.op_type;
    }
    s.total_ms += row.ms;
    auto& g = s.by_op[row.op_type];
    ++g.count;
    g.ms += row.ms;
    s.layers.push_back(std::move(row));
  }
  return s;
}

Json stats_json(const LatencyStats& s) {
  return {{"min", s.min},
          {"max", s.max},
          {"mean", s.mean},
          {"median", s.median},
          {"p90", s.p90},
          {"p95", s.p95},
          {"p99", s.p99},
          {"std_dev", s.std_dev},
          {"coefficient_of_variation", s.coefficient_of_variation},
          {"count", s.count}};
}

std::vector<const ProfileRow*> sorted_by_time(const ProfileSummary& p) {
  std::vector<const ProfileRow*> rows;
  for (const auto& r : p.layers) rows.push_back(&r);
  std::stable_sort(rows.begin(), rows.end(),
                   [](const ProfileRow* a, const ProfileRow* b) { return a->ms > b->ms; });
  return rows;
}

std::vector<std::pair<std::string, ProfileSummary::Group>> groups_by_time(const ProfileSummary& p) {
  std::vector<std::pair<std::string, ProfileSummary::Group>> g(p.by_op.begin(), p.by_op.end());
  std::stable_sort(g.begin(), g.end(), [](const auto& a, const auto& b) { return a.second.ms > b.second.ms; });
  return g;
}

std::string print_json(const BenchResult& r, int top) {
  Json out = {{"source", r.source}, {"engine", r.built ? "built" : "loaded"}};
  if (r.built) out["build_s"] = r.build_s;
  out["backend"] = r.backend;
  out["target"] = r.target;
  out["precisions"] = r.precisions;
  out["threads"] = r.threads;
  out["warmup_iterations"] = r.warmup_iterations;
  out["iterations"] = r.latency.count;
  out["wall_s"] = r.wall_s;
  out["throughput_qps"] = r.throughput_qps;
  out["latency_ms"] = stats_json(r.latency);
  out["compute_ms"] = stats_json(r.compute);
  // H2D + D2H + host overhead: latency minus the context's event-timed compute.
  if (r.gpu) out["transfer_ms"] = stats_json(r.transfer);
  out["unstable"] = r.latency.unstable();
  if (r.warning) out["warning"] = *r.warning;
  out["memory"] = memory_usage_json(r.memory);
  if (r.profile) {
    const auto& p = *r.profile;
    Json by_op = Json::array();
    for (const auto& [op, g] : groups_by_time(p))
      by_op.push_back({{"op_type", op},
                       {"layers", g.count},
                       {"ms", g.ms},
                       {"share", p.total_ms > 0 ? g.ms / p.total_ms : 0.0}});
    Json top_layers = Json::array();
    int n = 0;
    for (const ProfileRow* row : sorted_by_time(p)) {
      if (top > 0 && n++ >= top) break;
      top_layers.push_back({{"name", row->name},
                            {"op_type", row->op_type},
                            {"kernel", row->kernel},
                            {"precision", row->precision},
                            {"ms", row->ms},
                            {"share", p.total_ms > 0 ? row->ms / p.total_ms : 0.0}});
    }
    out["profile"] = {{"runs", p.runs},
                      {"total_ms", p.total_ms},
                      {"by_op", std::move(by_op)},
                      {"top_layers", std::move(top_layers)}};
  }
  return dump_json(out);
}

void print_stats_line(const char* label, const LatencyStats& s) {
  std::printf("%s\n", compare::format_latency_stats(s, label).c_str());
}

void print_text(const BenchResult& r, int top) {
  std::printf("=== Engine ===\n");
  std::printf("%s: %s, backend %s, target %s, precisions %s, threads %d", r.source.c_str(),
              r.built ? "built" : "loaded", r.backend.c_str(), r.target.c_str(), r.precisions.c_str(),
              r.threads);
  if (r.built) std::printf(", build %.2f s", r.build_s);
  std::printf("\n=== Timing ===\n");
  std::printf("Warm-up: %lld iterations; timed: %lld iterations in %.3f s\n",
              static_cast<long long>(r.warmup_iterations), static_cast<long long>(r.latency.count),
              r.wall_s);
  std::printf("=== Performance summary ===\n");
  std::printf("Throughput: %.4g qps\n", r.throughput_qps);
  print_stats_line(r.gpu ? "Latency (H2D + compute + D2H)" : "Latency", r.latency);
  if (r.gpu) {
    print_stats_line("GPU Compute Time", r.compute);
    print_stats_line("H2D + D2H + host", r.transfer);
  }
  if (r.warning) std::printf("[W] %s\n", r.warning->c_str());
  std::printf("=== Memory (this context's allocations) ===\n%s",
              memory_usage_text(r.memory, "").c_str());
  if (!r.profile) return;
  const auto& p = *r.profile;
  std::printf("\n=== Profile (median of %d profiled runs; total %.4g ms: per-layer timing adds "
              "synchronization, so it exceeds the latency above) ===\n",
              p.runs, p.total_ms);
  std::printf("By op type:\n  %-30s %6s %10s %7s\n", "op", "layers", "ms", "share");
  for (const auto& [op, g] : groups_by_time(p))
    std::printf("  %-30s %6d %10.4f %6.1f%%\n", op.c_str(), g.count, g.ms,
                p.total_ms > 0 ? 100.0 * g.ms / p.total_ms : 0.0);
  std::printf("Top layers:\n  %-40s %-24s %-26s %-5s %9s %7s %7s\n", "layer", "op", "kernel",
              "prec", "ms", "share", "cumul");
  double cumulative = 0;
  int n = 0;
  for (const ProfileRow* row : sorted_by_time(p)) {
    if (top > 0 && n++ >= top) break;
    cumulative += row->ms;
    std::printf("  %-40.40s %-24.24s %-26.26s %-5s %9.4f %6.1f%% %6.1f%%\n", row->name.c_str(),
                row->op_type.c_str(), row->kernel.c_str(), row->precision.c_str(), row->ms,
                p.total_ms > 0 ? 100.0 * row->ms / p.total_ms : 0.0,
                p.total_ms > 0 ? 100.0 * cumulative / p.total_ms : 0.0);
  }
}

Result<int> run_bench(const std::vector<std::string>& args) {
  ArgParser p("actrt bench MODEL|ENGINE [options]",
              "Measures an engine's latency and throughput as trtexec does: builds it from an ONNX "
              "model (with the build options) or loads an engine file (recognized by its magic), "
              "feeds seeded random inputs, warms up for --warmup-ms, then runs at least "
              "--iterations inferences AND at least --duration seconds. Reports min / mean / "
              "median / p90 / p95 / p99 latency and throughput; on the GPU also the compute time "
              "(CUDA events) and the transfers; warns when the coefficient of variation exceeds "
              "2.5 %; lists what the context allocates (device and host memory). --profile adds a "
              "per-layer table.",
              {"actrt bench models/act-tiny/act-tiny.onnx --threads 2",
               "actrt bench act.onnx --backend cuda --fp16 --format json",
               "actrt bench act-fp16.engine --profile --profile-top 15",
               "actrt bench act.onnx --backend cuda --int8 --calib-random --calibration-cache act.cache"});
  p.positional("MODEL|ENGINE", "an ONNX model (.onnx) or an engine file from `actrt build`");
  p.group("Model loading");
  add_model_options(p);
  add_builder_options(p);
  add_calibration_options(p);
  p.group("Timing (trtexec's defaults)");
  p.option("warmup-ms", "MS", "untimed warm-up time", "200");
  p.option("iterations", "N", "at least this many timed iterations", "10");
  p.option("duration", "S", "at least this many seconds of timed iterations", "3");
  p.option("max-iterations", "N", "stop after this many timed iterations (0: no cap)", "0");
  p.group("Data");
  p.option("data-seed", "N", "seed of the random inputs (Polygraphy's default 1)", "1");
  p.multi_option("val-range", "[NAME:]LOW,HIGH", "range of random values, per input or default");
  p.group("Profile");
  p.flag("profile", "also time every layer (ExecutionContext::profile) and print where time goes");
  p.option("profile-runs", "N", "profiled runs; each layer's median is reported", "10");
  p.option("profile-top", "N", "layers listed, slowest first (0: all)", "25");
  p.group("Output");
  p.option("format", "text|json", "text (trtexec-like) or one JSON object on stdout", "text");
  if (int rc = parse_or_exit(p, args); rc >= 0) return rc;
  const std::string format = p.get("format");
  if (format != "text" && format != "json")
    return invalid_argument("--format must be text or json, got '" + format + "'");

  compare::TimingOptions timing;
  auto warmup = p.get_double("warmup-ms", 200, 0, limits::kMaxDurationMs);
  auto iterations = p.get_int("iterations", 10, 1, limits::kMaxIterations);
  auto duration = p.get_double("duration", 3, 0, limits::kMaxDurationSeconds);
  auto max_iterations = p.get_int("max-iterations", 0, 0, limits::kMaxIterations);
  auto data_seed = p.get_int("data-seed", 1, 0, INT64_MAX);
  auto profile_runs = p.get_int("profile-runs", 10, 1, limits::kMaxIterations);
  auto profile_top = p.get_int("profile-top", 25, 0, limits::kMaxIterations);
  for (const Status* s : {&warmup.status(), &iterations.status(), &duration.status(),
                          &max_iterations.status(), &data_seed.status(), &profile_runs.status(),
                          &profile_top.status()})
    RETURN_IF_ERROR(*s);
  timing.warmup_ms = *warmup;
  timing.min_iterations = *iterations;
  timing.min_seconds = *duration;
  timing.max_iterations = *max_iterations;

  ASSIGN_OR_RETURN(auto config, builder_config_from(p));

  // Engine: load a file that starts with the engine magic, else build from ONNX.
  const std::string source = p.arg("MODEL|ENGINE");
  ASSIGN_OR_RETURN(auto is_engine, is_engine_file(source));  // bench needs the file either way
  BenchResult r;
  r.source = source;
  std::shared_ptr<Engine> engine;
  if (is_engine) RETURN_IF_ERROR(check_calibration_options_unused(p, "for an engine file"));
  else if (!config.int8) RETURN_IF_ERROR(check_calibration_options_unused(p, "without --int8"));
  if (is_engine) {
    if (p.has("fp16") || p.has("tf32") || p.has("int8") || p.get("backend") != "cpu")
      log_warning("build options (--backend/--fp16/--tf32/--int8) are ignored for an engine file: "
                  "it runs as it was built");
    ASSIGN_OR_RETURN(engine, engine_from_path(source));
  } else {
    ASSIGN_OR_RETURN(auto options, network_options_from(p));
    const auto t0 = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(auto net, network_from_onnx_path(source, options));
    ASSIGN_OR_RETURN(auto calibrator, calibrator_from(p, net, config.seed));
    if (calibrator) config.calibrator = calibrator;
    if (config.int8) RETURN_IF_ERROR(check_int8_scales(net, config));
    ASSIGN_OR_RETURN(engine, engine_from_network(net, config));
    r.built = true;
    r.build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    log_info(fmt::format("Built {} in {:.2f} s", source, r.build_s));
  }
  r.backend = std::string(backend_name(engine->backend()));
  r.gpu = engine->backend() == BackendKind::kCuda;
  r.target = engine->target();
  const auto& meta = engine->metadata();
  if (auto it = meta.find("precisions"); it != meta.end()) r.precisions = it->second;
  r.threads = config.threads;

  ASSIGN_OR_RETURN(auto context, create_execution_context(*engine, config.threads));
  r.memory = context->memory_usage();

  // Inputs: one seeded random feed (Polygraphy's loader: item 0 from --data-seed).
  data::RandomDataOptions ro;
  ro.seed = static_cast<uint64_t>(*data_seed);
  for (const auto& range : p.get_all("val-range"))
    RETURN_IF_ERROR(ro.parse_range(range));
  ASSIGN_OR_RETURN(auto loader, data::RandomDataLoader::create(engine->inputs(), ro));
  ASSIGN_OR_RETURN(auto feed, loader.get(0));

  std::vector<double> compute_ms;
  runtime::TensorMap outputs;
  auto infer_once = [&]() -> Result<double> {
    const auto t0 = std::chrono::steady_clock::now();
    RETURN_IF_ERROR(context->infer(feed, outputs));
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    compute_ms.push_back(context->last_compute_ms());
    return ms;
  };
  // {:g}: "200 ms" and "0.5 s", as the user typed them, not "200.000000 ms".
  log_info(fmt::format("Warm-up {:g} ms, then >= {} iterations and >= {:g} s", timing.warmup_ms,
                       timing.min_iterations, timing.min_seconds));
  ASSIGN_OR_RETURN(auto run, compare::run_timing_loop(infer_once, timing));
  r.warmup_iterations = run.warmup_iterations;
  r.wall_s = run.wall_seconds;
  r.throughput_qps = run.throughput_qps;
  // The lambda also ran during warm-up: keep the compute times of the timed iterations only.
  compute_ms.erase(compute_ms.begin(), compute_ms.begin() + run.warmup_iterations);
  ASSIGN_OR_RETURN(r.latency, compare::compute_latency_stats(run.samples_ms));
  ASSIGN_OR_RETURN(r.compute, compare::compute_latency_stats(compute_ms));
  if (r.gpu) {
    std::vector<double> transfer;
    for (size_t i = 0; i < run.samples_ms.size(); ++i)
      transfer.push_back(std::max(0.0, run.samples_ms[i] - compute_ms[i]));
    ASSIGN_OR_RETURN(r.transfer, compare::compute_latency_stats(transfer));
  }
  // Reported once: in the text summary under the latency it is about, or in the JSON.
  r.warning = compare::stability_warning(r.latency);

  if (p.has("profile")) {
    ASSIGN_OR_RETURN(r.profile, run_profile(*context, *engine, feed, static_cast<int>(*profile_runs)));
  }

  const int top = static_cast<int>(*profile_top);
  if (format == "json") std::printf("%s\n", print_json(r, top).c_str());
  else print_text(r, top);
  return 0;
}

}  // namespace

ACTRT_REGISTER_COMMAND(bench, "trtexec-style latency / throughput (and --profile per layer) of an engine",
                       run_bench);

}  // namespace actrt::cli
