// actrt build MODEL --save-engine FILE: compile a model into an engine file.
#include <chrono>
#include <cstdio>

#include "actrt/engine.h"
#include "actrt/log.h"
#include "args.h"
#include "build_options.h"
#include "calib_options.h"
#include "cli_common.h"
#include "command.h"
#include "layer_table.h"
#include "policy_options.h"

namespace actrt::cli {
namespace {

Result<int> run_build(const std::vector<std::string>& args) {
  ArgParser p("actrt build MODEL --save-engine FILE [options]",
              "Imports and optimizes an ONNX model, builds an engine for a backend and precision, "
              "and saves it. Prints the build time and a per-layer summary.",
              {"actrt build act.onnx --save-engine act-fp32.engine",
               "actrt build act.onnx --backend cuda --fp16 --save-engine act-fp16.engine",
               "actrt build act.onnx --int8 --calib-data episodes/ --cameras top --calibration-cache act.cache "
               "--save-engine act-int8.engine",
               "actrt build models/act-tiny/act-tiny.onnx --policy --save-engine act-tiny.policy.engine"});
  p.positional("MODEL", "an ONNX model (.onnx)");
  p.group("Model loading");
  add_model_options(p);
  add_builder_options(p);
  add_calibration_options(p);
  add_policy_options(p);
  p.group("Output");
  p.option("save-engine", "FILE", "where to write the engine");
  p.flag("force", "overwrite FILE if it exists");
  p.flag("layers", "print every layer (default: a summary by kernel and precision)");
  if (int rc = parse_or_exit(p, args); rc >= 0) return rc;
  if (!p.has("save-engine")) return invalid_argument("--save-engine FILE is required");

  RETURN_IF_ERROR(prepare_output(p.get("save-engine"), p.has("force"), "--save-engine"));

  ASSIGN_OR_RETURN(auto options, network_options_from(p));
  ASSIGN_OR_RETURN(options.policy, policy_contract_from(p, p.arg("MODEL")));
  ASSIGN_OR_RETURN(auto config, builder_config_from(p));
  if (!config.int8) RETURN_IF_ERROR(check_calibration_options_unused(p, "without --int8"));

  const auto t0 = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(auto net, network_from_onnx_path(p.arg("MODEL"), options));
  if (config.int8) {
    ASSIGN_OR_RETURN(config.calibrator, calibrator_from(p, net, config.seed));
    RETURN_IF_ERROR(check_int8_scales(net, config));
  }
  ASSIGN_OR_RETURN(auto engine, engine_from_network(net, config));
  const double build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  RETURN_IF_ERROR(save_engine(*engine, p.get("save-engine"), p.has("force")));

  print_layer_table(*engine, p.has("layers"));
  auto bytes = engine->serialize();
  std::printf("\nBuilt %s in %.2f s; saved %s (%.2f MB)\n", p.arg("MODEL").c_str(), build_s,
              p.get("save-engine").c_str(),
              bytes.ok() ? static_cast<double>(bytes->size()) / 1e6 : 0.0);
  return 0;
}

}  // namespace

ACTRT_REGISTER_COMMAND(build, "build an engine (cpu|cuda, fp32|tf32|fp16|int8) and save it", run_build);

}  // namespace actrt::cli
