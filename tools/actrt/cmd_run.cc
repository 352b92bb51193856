// actrt run MODEL: run one or more runners on identical inputs and compare them (polygraphy run).
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <optional>

#include "core/limits.h"
#include "actrt/engine.h"
#include "actrt/log.h"
#include "actrt/runners.h"
#include "args.h"
#include "bench_context.h"
#include "build_options.h"
#include "calib_options.h"
#include "cli_common.h"
#include "command.h"
#include "compare/comparator.h"
#include "data/npz.h"
#include "data/npz_loader.h"
#include "data/random_loader.h"
#include "golden_outputs.h"

namespace actrt::cli {
namespace {

// --save-outputs / --save-results: refused before any work when the file exists (unless --force),
// and always when it is one of the --load-inputs files (the inputs would be lost).
Status check_run_outputs(const ArgParser& p) {
  for (const char* flag : {"save-outputs", "save-results"}) {
    if (!p.has(flag)) continue;
    const std::string out = p.get(flag);
    for (const std::string& in : p.get_all("load-inputs")) {
      std::error_code ec;
      if (std::filesystem::equivalent(out, in, ec))
        return invalid_argument(std::string("--") + flag + " " + out +
                                " is the --load-inputs file " + in +
                                ": refusing to write over the inputs (name another file)");
    }
    RETURN_IF_ERROR(prepare_output(out, p.has("force"), std::string("--") + flag));
  }
  return ok_status();
}

Result<int> run_run(const std::vector<std::string>& args) {
  ArgParser p("actrt run MODEL [runners] [data] [comparison] [options]",
              "Runs the model through the runners asked for on identical inputs, compares every "
              "runner against the reference one (the reference executor when --reference is "
              "given, else consecutive pairs) and optionally saves inputs, outputs and results. "
              "Without runner options it runs a CPU FP32 engine against the reference executor; "
              "--reference alone (no --engine, no build option) runs the reference executor by "
              "itself. When the --load-inputs files also hold "
              "arrays named like the model's outputs, every runner is checked against them "
              "(runner 'golden': max abs difference, --atol/--rtol).",
              {"actrt run act.onnx --reference --backend cpu",
               "actrt run act.onnx --reference --engine act-fp16.engine --atol 1e-2 --rtol 1e-2",
               "actrt run act.onnx --backend cpu --load-inputs act.io.npz --save-outputs out.npz",
               "actrt run act-fp32.engine --load-inputs act.io.npz --save-outputs out.npz",
               "actrt run act.onnx --reference --save-outputs reference.npz   # reference alone",
               "actrt run act.onnx --load-inputs act.io.npz --atol 1e-4   # golden check"});
  p.positional("MODEL", "an ONNX model (.onnx), or an engine file (run as it was built)");
  p.group("Model loading");
  add_model_options(p);
  p.group("Runners");
  p.flag("reference", "the plain FP32 reference executor (the oracle)");
  p.multi_option("engine", "FILE", "an engine file built by `actrt build`");
  add_builder_options(p);
  p.group("Data");
  p.multi_option("load-inputs", "FILE.npz", "inputs keyed by input name (one item per file)");
  p.option("iterations", "N", "random items when no --load-inputs", "1");
  p.option("data-seed", "N", "seed of the random inputs (Polygraphy's default 1)", "1");
  p.multi_option("val-range", "[NAME:]LOW,HIGH", "range of random values, per input or default");
  p.group("Comparison");
  p.option("atol", "[OUTPUT:]A", "absolute tolerance (default or per output)", "1e-5");
  p.option("rtol", "[OUTPUT:]R", "relative tolerance (default or per output)", "1e-5");
  p.option("check-error-stat", "elemwise|max|mean|median", "statistic checked against tolerances",
           "elemwise");
  p.group("Output");
  p.option("save-outputs", "FILE.npz",
           "outputs of the reference executor with --reference, else of the first runner; last "
           "item, keyed by output name");
  p.option("save-results", "FILE.json", "all runners' outputs and runtimes (Polygraphy JSON)");
  p.flag("force", "overwrite the --save-outputs / --save-results files if they exist");
  if (int rc = parse_or_exit(p, args); rc >= 0) return rc;
  RETURN_IF_ERROR(check_run_outputs(p));

  ASSIGN_OR_RETURN(auto config, builder_config_from(p));
  const std::string model = p.arg("MODEL");
  ASSIGN_OR_RETURN(const bool model_is_engine, is_engine_file(model));
  std::vector<std::unique_ptr<Runner>> runners;
  std::vector<TensorInfo> inputs, outputs;
  bool with_reference = false;
  if (model_is_engine) {
    // As bench does: an engine file given as MODEL runs as it was built, first; --engine files
    // after it. There is no network, so no reference executor and no build.
    if (p.has("reference"))
      return invalid_argument(model + " is an engine file: --reference needs the ONNX model "
                              "(actrt run MODEL.onnx --reference --engine " + model + ")");
    if (p.has("fp16") || p.has("tf32") || p.has("int8") || p.get("backend") != "cpu")
      log_warning("build options (--backend/--fp16/--tf32/--int8) are ignored for an engine file: "
                  "it runs as it was built");
    ASSIGN_OR_RETURN(std::shared_ptr<Engine> engine, engine_from_path(model));
    inputs = engine->inputs();
    outputs = engine->outputs();
    runners.push_back(make_engine_runner(
        [engine]() -> Result<std::shared_ptr<Engine>> { return engine; }, model));
    for (const std::string& file : p.get_all("engine"))
      runners.push_back(make_engine_runner(EngineFromPath(file), file));
  } else {
    ASSIGN_OR_RETURN(auto options, network_options_from(p));
    ASSIGN_OR_RETURN(std::shared_ptr<Network> network, network_from_onnx_path_shared(model, options));
    inputs = network->inputs();
    outputs = network->outputs();
    NetworkLoader network_loader = [network]() -> Result<std::shared_ptr<Network>> { return network; };
    for (const std::string& file : p.get_all("engine"))
      runners.push_back(make_engine_runner(EngineFromPath(file), file));
    // An engine is built from MODEL for a precision flag or a non-CPU backend, and when no
    // --engine is given, except for --reference alone (no build option on the command line): that
    // runs the reference executor by itself.
    const bool precision_or_backend = p.has("fp16") || p.has("tf32") || p.has("bf16") ||
                                      p.has("int8") || p.get("backend") != "cpu";
    const bool reference_alone = p.has("reference") && p.get_all("engine").empty() &&
                                 !precision_or_backend && !p.given("backend") &&
                                 !p.given("layer-precisions");
    const bool build_engine =
        precision_or_backend || (p.get_all("engine").empty() && !reference_alone);
    if (build_engine && config.int8)
      RETURN_IF_ERROR(check_int8_scales(*network, config, /*has_calibration_options=*/false));
    if (build_engine) runners.push_back(make_engine_runner(EngineFromNetwork(network_loader, config)));
    with_reference = p.has("reference") || p.get_all("engine").empty();
    if (with_reference) runners.push_back(make_reference_runner(network_loader));
  }

  // Comparison settings, checked against the outputs before anything runs.
  compare::CompareOptions co;
  RETURN_IF_ERROR(co.tolerances.parse_atol(p.get("atol")));
  RETURN_IF_ERROR(co.tolerances.parse_rtol(p.get("rtol")));
  ASSIGN_OR_RETURN(co.tolerances.error_stat, compare::parse_error_stat(p.get("check-error-stat")));
  {
    std::vector<std::string> output_names;
    for (const TensorInfo& o : outputs) output_names.push_back(o.name);
    RETURN_IF_ERROR(co.tolerances.check_outputs(output_names));
  }

  // Data.
  std::unique_ptr<DataLoader> loader;
  std::optional<compare::RunnerResults> golden;
  if (!p.get_all("load-inputs").empty()) {
    std::vector<std::string> output_names;
    for (const TensorInfo& o : outputs) output_names.push_back(o.name);
    ASSIGN_OR_RETURN(golden, golden_outputs_from_npz(p.get_all("load-inputs"), output_names));
    ASSIGN_OR_RETURN(auto l,
                     data::NpzDataLoader::create(p.get_all("load-inputs"), inputs, output_names));
    loader = std::make_unique<data::NpzDataLoader>(std::move(l));
  } else {
    data::RandomDataOptions ro;
    auto iterations = p.get_int("iterations", 1, 1, limits::kMaxIterations);
    auto seed = p.get_int("data-seed", 1, 0, INT64_MAX);
    RETURN_IF_ERROR(iterations.status());
    RETURN_IF_ERROR(seed.status());
    ro.iterations = static_cast<size_t>(iterations.value());
    ro.seed = static_cast<uint64_t>(seed.value());
    for (const auto& r : p.get_all("val-range"))
      RETURN_IF_ERROR(ro.parse_range(r));
    ASSIGN_OR_RETURN(auto l, data::RandomDataLoader::create(inputs, ro));
    loader = std::make_unique<data::RandomDataLoader>(std::move(l));
  }

  std::vector<Runner*> raw;
  for (auto& r : runners) raw.push_back(r.get());
  compare::RunOptions run_options;
  run_options.warm_up_runs = 1;
  ASSIGN_OR_RETURN(auto results, compare::Comparator::run(raw, *loader, run_options));

  if (p.has("save-results"))
    RETURN_IF_ERROR(compare::save_run_results(results, p.get("save-results"), p.has("force")));
  if (p.has("save-outputs")) {
    // With --reference, the oracle's outputs (the reference runner is the last one).
    const auto& saved = with_reference && p.has("reference") ? results.runners.back()
                                                             : results.runners.front();
    RETURN_IF_ERROR(data::write_npz(p.get("save-outputs"), saved.iterations.back().outputs, p.has("force")));
    log_info(fmt::format("Saved outputs of runner '{}' (item {}) to {}", saved.runner_name,
                         saved.iterations.size() - 1, p.get("save-outputs")));
  }
  // Pairs: every runner against the reference executor (with --reference) or consecutive ones,
  // then every runner against the golden outputs.
  std::vector<std::pair<size_t, size_t>> pairs;
  if (with_reference && runners.size() > 1)
    pairs = compare::pairs_against(runners.size() - 1, runners.size());
  else
    for (size_t i = 0; i + 1 < runners.size(); ++i) pairs.emplace_back(i, i + 1);
  if (golden) {
    log_info("Expected outputs in the --load-inputs file(s): checking every runner against them "
             "(runner 'golden')");
    results.runners.push_back(std::move(*golden));
    for (size_t i = 0; i < runners.size(); ++i) pairs.emplace_back(i, runners.size());
  }
  if (pairs.empty()) {
    log_info("One runner: nothing to compare");
    return 0;
  }

  co.pairs = pairs;
  ASSIGN_OR_RETURN(auto accuracy, compare::Comparator::compare_accuracy(results, co));
  const bool passed = accuracy.passed();
  std::printf("%s\n", passed ? "PASSED" : "FAILED");
  return passed ? 0 : 1;
}

}  // namespace

ACTRT_REGISTER_COMMAND(run, "run runners on identical inputs and compare outputs (polygraphy run)",
                       run_run);

}  // namespace actrt::cli
