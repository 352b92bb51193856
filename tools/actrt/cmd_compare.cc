// actrt compare MODEL --data DIR --report OUT: the seed's experiment as one command. Builds (or
// reuses) an engine per variant, runs every variant and optionally PyTorch on the same evaluation
// samples from ACT episodes, and reports accuracy against the dataset's actions, agreement with
// the FP32 engine, latency, engine size and build time (compare_report.h has the file layouts).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

#include "core/finite.h"
#include "core/limits.h"
#include "actrt/engine.h"
#include "actrt/log.h"
#include "actrt/runners.h"
#include "args.h"
#include "cli_common.h"
#include "command.h"
#include "compare/act_evaluation.h"
#include "compare/latency.h"
#include "compare_report.h"
#include "compare_torch.h"
#include "compare_variants.h"
#include "model_cameras.h"
#include "core/json.h"

namespace actrt::cli {
namespace {

namespace fs = std::filesystem;
using namespace compare_cli;  // NOLINT: this file's own helpers

constexpr int64_t kDefaultSamples = 40;
constexpr int64_t kDefaultCalibSamples = 32;
constexpr int64_t kDefaultRepeat = 5;
constexpr int kWarmUpRuns = 2;

// --data must be a folder with episode_*.hdf5; say so before anything expensive happens.
Status check_data_dir(const std::string& dir) {
  std::error_code ec;
  if (dir.empty()) return invalid_argument("--data DIR (a folder of ACT episodes) is required");
  if (!fs::is_directory(dir, ec)) return invalid_argument("--data " + dir + ": not a folder");
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("episode_", 0) == 0 && e.path().extension() == ".hdf5") return ok_status();
  }
  return invalid_argument("--data " + dir + ": no ACT episodes (episode_<i>.hdf5) in this folder");
}

struct VariantRun {
  std::vector<Tensor> outputs;   // per evaluation sample
  std::vector<double> times_ms;  // timed runs
};

Result<VariantRun> run_variant(std::shared_ptr<Engine> engine, const std::string& name,
                               const std::vector<TensorMap>& feeds, const std::string& output,
                               int threads, int64_t repeat) {
  EngineRunnerOptions ro;
  ro.threads = threads;
  auto runner = make_engine_runner([engine]() -> Result<std::shared_ptr<Engine>> { return engine; },
                                   name, ro);
  RunnerActivation active(*runner);
  if (!active.ok()) return active.status();
  for (int i = 0; i < kWarmUpRuns; ++i) RETURN_IF_ERROR(runner->infer(feeds[0]).status());
  VariantRun run;
  for (const TensorMap& feed : feeds) {
    ASSIGN_OR_RETURN(TensorMap out, runner->infer(feed));
    auto it = out.find(output);
    if (it == out.end()) return internal_error(name + ": engine produced no output '" + output + "'");
    run.outputs.push_back(it->second.clone());  // the runner may reuse its buffers
  }
  // Timing: `repeat` passes over all samples, so every sample is timed the same number of times
  // and a per-sample effect (none expected for a fixed-shape policy) cannot bias the median.
  for (int64_t r = 0; r < repeat; ++r)
    for (const TensorMap& feed : feeds) {
      RETURN_IF_ERROR(runner->infer(feed).status());
      run.times_ms.push_back(runner->last_inference_time_ms());
    }
  return run;
}

Status fill_latency(ReportRow& row, const std::vector<double>& times) {
  ASSIGN_OR_RETURN(compare::LatencyStats s, compare::compute_latency_stats(times));
  row.latency_median = s.median;
  row.latency_p99 = s.p99;
  row.latency_mean = s.mean;
  row.latency_runs = s.count;
  row.latency_cv = s.coefficient_of_variation;
  row.latency_warning = compare::report_latency_warning(row.name, s);
  if (row.latency_warning) log_warning(*row.latency_warning);
  else if (auto w = compare::stability_warning(s)) log_verbose(row.name + ": " + *w);
  return ok_status();
}

Status fill_accuracy(ReportRow& row, const std::vector<Tensor>& outputs,
                     const compare::ActEvaluationSet& set, const std::vector<Tensor>* fp32) {
  // NaN / Inf actions make every L1 NaN / inf: the row says where they came from.
  for (size_t i = 0; i < outputs.size(); ++i)
    if (auto bad = find_non_finite(outputs[i])) {
      const std::string note =
          fmt::format("sample {} gives {} in the actions (the engine overflowed or the model "
                      "produced it); the L1 columns are not meaningful",
                      i, describe_non_finite(*bad));
      log_warning(row.name + ": " + note);
      row.reason += (row.reason.empty() ? "" : "; ") + note;
      break;
    }
  ASSIGN_OR_RETURN(compare::ChunkAccuracy acc, compare::chunk_accuracy(outputs, set));
  row.l1 = acc.l1;
  row.l1_robot = acc.l1_robot;
  row.l1_per_step = acc.l1_per_step;
  if (fp32) {
    ASSIGN_OR_RETURN(compare::PairError e, compare::pair_error(outputs, *fp32));
    row.l1_vs_fp32 = e.mean_abs;
    row.max_abs_vs_fp32 = e.max_abs;
  }
  return ok_status();
}

// Which precisions the layers really got: a reduced-precision variant whose layers all fell back
// to fp32 must say so, or its row would look like a free lunch.
std::string precision_note(const Engine& engine, Variant v) {
  std::map<std::string, int> count;
  const auto layers = engine.layers();
  for (const LayerInfo& l : layers) ++count[std::string(precision_name(l.precision))];
  std::string wanted = v == Variant::kFp16 ? "fp16" : v == Variant::kTf32 ? "tf32"
                     : is_int8_variant(v) ? "int8" : "";
  std::string note;
  for (const auto& [prec, n] : count) note += (note.empty() ? "" : ", ") + std::to_string(n) + " " + prec;
  note += " layers";
  if (!wanted.empty() && count[wanted] == 0)
    note += " (no " + wanted + " layer on this backend: runs as fp32)";
  return note;
}

std::string stats_key(const data::NormStats& s) {
  std::string k;
  for (const auto* v : {&s.qpos_mean, &s.qpos_std, &s.action_mean, &s.action_std})
    for (float x : *v) k += std::to_string(x) + ",";
  return k;
}

Result<int> run_compare(const std::vector<std::string>& args) {
  ArgParser p("actrt compare MODEL --data DIR --report OUT [options]",
              "Builds (or reuses from OUT/engines) an engine per variant, runs every variant and "
              "optionally PyTorch on the same evaluation samples drawn from ACT episodes, and reports "
              "L1 to the dataset's action chunks (normalized and in robot units), L1 and max abs "
              "error against the FP32 engine, median and p99 latency, speed-up against PyTorch, "
              "engine size and build time: a table on stdout, OUT/report.md, OUT/results.json, "
              "OUT/latency_vs_l1.svg and OUT/l1_along_chunk.svg. int8 is entropy calibration "
              "(TensorRT's default) on calibration samples of the same episodes (never the "
              "evaluation samples), int8-minmax and int8-percentile (99.99) the other calibrators on "
              "the same samples; int8-random is entropy calibration on seeded random data in [0,1) "
              "(Polygraphy's default).",
              {"actrt compare models/act-tiny/act-tiny.onnx --data models/act-tiny/eval "
               "--stats models/act-tiny/stats.json --torch --report out/compare",
               "actrt compare act.onnx --data episodes/ --cameras top --backend cuda "
               "--variants fp32,fp16,int8 --report out/act-cuda"});
  p.positional("MODEL", "an ACT policy exported to ONNX (inputs qpos, image; output actions)");
  p.group("Model loading");
  add_model_options(p);
  p.group("Data");
  p.option("data", "DIR", "folder of ACT episodes (episode_<i>.hdf5)");
  p.option("stats", "FILE.json",
           "normalization statistics the policy was trained with (default: computed from DIR)");
  p.option("cameras", "A,B,...",
           "camera names in the policy's order (default: camera_names of MODEL's .config.json)");
  p.option("samples", "N", "evaluation samples", std::to_string(kDefaultSamples));
  p.option("calib-samples", "N", "calibration samples for int8 (disjoint from the evaluation ones)",
           std::to_string(kDefaultCalibSamples));
  p.option("seed", "N", "seed of the sample split, random calibration data and builds", "1");
  p.group("Variants");
  p.option("variants", "LIST",
           "comma-separated: fp32, tf32, fp16, bf16, int8, int8-minmax, int8-percentile, int8-random "
           "(default: all the backend supports)");
  p.option("backend", "cpu|cuda", "where the engines run", "cpu");
  p.option("threads", "N", "CPU threads for engines and PyTorch (0 = the usable cores but one)", "0");
  p.flag("rebuild", "ignore cached engines in OUT/engines and build again");
  p.option("timing-cache", "FILE",
           "GPU: reuse tactic timings from FILE and add new ones to it (created if missing)");
  p.option("repeat", "N", "timed runs per evaluation sample (after one untimed accuracy pass)",
           std::to_string(kDefaultRepeat));
  p.group("PyTorch");
  p.flag("torch", "add the PyTorch row (python/torch_runner.py; left out with a note without torch)");
  p.option("torch-runner", "PATH", "the helper script (default: python/torch_runner.py of this tree)");
  p.group("Output");
  p.option("report", "OUT", "report folder");
  p.flag("force", "replace the report files of an earlier run in OUT (its engines are reused "
                  "either way, unless --rebuild)");
  if (int rc = parse_or_exit(p, args); rc >= 0) return rc;

  const std::string model = p.arg("MODEL");
  const std::string out_dir = p.get("report");
  if (out_dir.empty()) return invalid_argument("--report OUT (the report folder) is required");
  for (const char* file : kReportFiles)
    RETURN_IF_ERROR(check_output_free(out_dir + "/" + file, p.has("force"), "--report"));
  RETURN_IF_ERROR(check_data_dir(p.get("data")));
  auto backend = backend_from_name(p.get("backend"));
  if (!backend) return invalid_argument("--backend must be cpu or cuda, got '" + p.get("backend") + "'");
  std::vector<Variant> variants;
  if (p.has("variants")) {
    ASSIGN_OR_RETURN(variants, parse_variants(p.get("variants")));
  } else {
    variants = default_variants(*backend);
  }
  auto samples = p.get_int("samples", kDefaultSamples, 1, limits::kMaxSamples);
  auto calib_samples = p.get_int("calib-samples", kDefaultCalibSamples, 1, limits::kMaxSamples);
  auto seed = p.get_int("seed", 1, 0, INT64_MAX);
  auto threads = p.get_int("threads", 0, 0, limits::kMaxThreads);
  auto repeat = p.get_int("repeat", kDefaultRepeat, 1, limits::kMaxIterations);
  for (const auto* r : {&samples, &calib_samples, &seed, &threads, &repeat})
    RETURN_IF_ERROR(r->status());
  ASSIGN_OR_RETURN(ModelCameras model_cams, require_model_cameras(p, model));
  const std::vector<std::string>& cameras = model_cams.names;
  const std::string& cameras_source = model_cams.source;

  // Model, inputs and the chunk length.
  ASSIGN_OR_RETURN(auto net_options, network_options_from(p));
  ASSIGN_OR_RETURN(auto net, network_from_onnx_path(model, net_options));
  ASSIGN_OR_RETURN(auto names, compare::find_act_inputs(net.inputs()));
  const auto outputs = net.outputs();
  const TensorInfo* action_out = &outputs.at(0);
  for (const auto& o : outputs)
    if (o.name == "actions") action_out = &o;
  if (action_out->shape.size() < 2 || action_out->shape[action_out->shape.size() - 2] < 1)
    return invalid_model(model + ": output '" + action_out->name + "' has shape " +
                         shape_to_string(action_out->shape) + "; expected [1,chunk,state_dim]");
  const int64_t chunk = action_out->shape[action_out->shape.size() - 2];
  ASSIGN_OR_RETURN(auto model_hash, hash_file(model));

  // Episodes, statistics and the split.
  ASSIGN_OR_RETURN(auto opened, data::ActEpisodes::open(p.get("data"), cameras));
  auto episodes = std::make_shared<data::ActEpisodes>(std::move(opened));
  std::string stats_source = "computed from " + p.get("data") + " (get_norm_stats)";
  if (p.has("stats")) {
    ASSIGN_OR_RETURN(auto stats, data::load_norm_stats(p.get("stats")));
    RETURN_IF_ERROR(episodes->use_stats(std::move(stats)));
    stats_source = p.get("stats");
  } else {
    log_warning("no --stats: normalization statistics are computed from " + p.get("data") +
                "; a policy expects the statistics it was trained with");
  }
  compare::ActEvaluationOptions eo;
  eo.seed = static_cast<uint64_t>(seed.value());
  eo.calibration_samples = calib_samples.value();
  eo.evaluation_samples = samples.value();
  eo.chunk = chunk;
  ASSIGN_OR_RETURN(auto set, compare::load_act_evaluation(*episodes, names, eo));
  log_info(
      fmt::format("Evaluation: {} samples from {} episodes in {} (cameras from {}); {} other "
                  "samples reserved for int8 calibration",
                  set.evaluation.size(), episodes->num_episodes(), p.get("data"), cameras_source,
                  set.calibration.size()));

  // fp32 is the reference of every "vs fp32" column: run it even when not asked for.
  if (std::find(variants.begin(), variants.end(), Variant::kFp32) == variants.end()) {
    log_info("adding fp32: it is the reference for the 'vs fp32' columns");
    variants.insert(variants.begin(), Variant::kFp32);
  } else {
    std::stable_partition(variants.begin(), variants.end(), [](Variant v) { return v == Variant::kFp32; });
  }

  VariantBuildInputs bi;
  bi.network = &net;
  bi.model_hash = model_hash;
  bi.network_key = fmt::format("optimize={}|shapes={}|disabled=", net_options.optimize ? 1 : 0,
                               p.get("shapes"));
  for (const std::string& pass : net_options.disabled_passes) bi.network_key += pass + ",";
  bi.backend = *backend;
  bi.threads = static_cast<int>(threads.value());
  bi.seed = static_cast<uint64_t>(seed.value());
  bi.engines_dir = out_dir + "/engines";
  bi.rebuild = p.has("rebuild");
  bi.timing_cache_path = p.get("timing-cache");
  if (p.has("timing-cache") && bi.timing_cache_path.empty())
    return invalid_argument("--timing-cache needs a file name");
  bi.calibration_samples = calib_samples.value();
  bi.calibration_data = std::make_shared<compare::ActCalibrationLoader>(episodes, set.calibration, names);
  std::string cam_key;
  for (const auto& c : cameras) cam_key += c + ",";
  bi.calibration_key = fs::weakly_canonical(p.get("data")).string() + "|" + cam_key + "|" +
                       stats_key(episodes->stats());

  ReportInputs report;
  report.model = model;
  report.backend = std::string(backend_name(*backend));
  report.data_dir = p.get("data");
  report.stats_source = stats_source;
  report.cameras = cameras;
  report.seed = static_cast<uint64_t>(seed.value());
  report.evaluation = set.evaluation;
  report.calibration = set.calibration;
  report.latency_method = "host-to-host wall time of infer(), batch 1; " + std::to_string(kWarmUpRuns) +
                          " warm-up runs, then " + std::to_string(repeat.value()) + " timed runs of each of " +
                          std::to_string(set.evaluation.size()) + " samples; median and p99 (nearest rank)";

  std::vector<Tensor> fp32_outputs;
  bool fp32_ok = false;
  for (Variant v : variants) {
    ReportRow row;
    row.name = variant_name(v);
    if (auto why = variant_skip_reason(v, *backend)) {
      row.status = "skipped";
      row.reason = *why;
      log_info(row.name + ": skipped (" + *why + ")");
      report.variants.push_back(std::move(row));
      continue;
    }
    auto built = build_or_load_variant(v, bi);
    if (!built.ok()) {
      row.status = "failed";
      row.reason = "build: " + built.status().message();
      log_warning(row.name + ": " + row.reason);
      report.variants.push_back(std::move(row));
      continue;
    }
    row.engine_bytes = built->engine_bytes;
    row.build_seconds = built->build_seconds;
    row.engine_cached = built->cached;
    row.engine_path = built->engine_path;
    row.reason = precision_note(*built->engine, v);
    log_info(fmt::format("{}: running {} samples", row.name, set.feeds.size()));
    auto run = run_variant(built->engine, row.name, set.feeds, action_out->name,
                           static_cast<int>(threads.value()), repeat.value());
    Status s = run.ok() ? fill_accuracy(row, run->outputs, set, fp32_ok ? &fp32_outputs : nullptr)
                        : run.status();
    if (s.ok()) s = fill_latency(row, run->times_ms);
    if (!s.ok()) {
      ReportRow failed;
      failed.name = row.name;
      failed.status = "failed";
      failed.reason = "run: " + s.message();
      row = std::move(failed);
      log_warning(row.name + ": " + row.reason);
    } else if (v == Variant::kFp32) {
      fp32_outputs = run->outputs;
      fp32_ok = true;
      row.l1_vs_fp32 = 0;
      row.max_abs_vs_fp32 = 0;
    }
    report.variants.push_back(std::move(row));
  }

  if (p.has("torch")) {
    TorchRunOptions to;
    to.model_path = model;
    to.script = p.get("torch-runner");
    to.work_dir = out_dir + "/torch";
    to.backend = *backend;
    to.threads = static_cast<int>(threads.value());
    to.repeat = static_cast<int>(repeat.value());
    to.qpos_name = names.qpos;
    to.image_name = names.image;
    auto tr = run_torch(set.feeds, to);
    if (!tr.ok()) {
      report.pytorch_note = "row left out: " + tr.status().message();
      log_warning("PyTorch " + report.pytorch_note);
    } else {
      ReportRow row;
      row.name = "pytorch";
      row.reason = tr->description;
      Status s = fill_accuracy(row, tr->actions, set, fp32_ok ? &fp32_outputs : nullptr);
      if (s.ok()) s = fill_latency(row, tr->latency_ms);
      if (!s.ok()) {
        report.pytorch_note = "row left out: " + s.message();
        log_warning("PyTorch " + report.pytorch_note);
      } else {
        report.pytorch_note = tr->description;
        row.speedup_vs_pytorch = 1.0;
        for (ReportRow& r : report.variants)
          if (r.latency_median && *r.latency_median > 0)
            r.speedup_vs_pytorch = *row.latency_median / *r.latency_median;
        report.pytorch = std::move(row);
      }
    }
  } else {
    report.pytorch_note = "not run (pass --torch for the PyTorch row)";
  }

  std::printf("\n%s\n", report_table(report).c_str());
  RETURN_IF_ERROR(write_report(report, out_dir, p.has("force")));
  std::printf("Report: %s/report.md, results.json, latency_vs_l1.svg, l1_along_chunk.svg\n",
              out_dir.c_str());
  if (!fp32_ok) {
    log_error("the fp32 engine failed: the 'vs fp32' columns are empty");
    return 1;
  }
  return 0;
}

}  // namespace

ACTRT_REGISTER_COMMAND(compare, "compare engine variants and PyTorch on ACT episodes (accuracy, latency, report)",
                       run_compare);

}  // namespace actrt::cli
