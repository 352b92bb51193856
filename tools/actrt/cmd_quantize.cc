// actrt quantize MODEL (--calib-data PATH | --calib-random | --calibration-cache FILE) -o OUT:
// calibrate and write a Q/DQ ONNX model (explicit quantization for ONNX Runtime / TensorRT 11).
#include <fmt/format.h>

#include <cstdio>

#include "core/limits.h"
#include "actrt/log.h"
#include "args.h"
#include "calib_options.h"
#include "cli_common.h"
#include "command.h"
#include "onnx/importer.h"
#include "onnx/qdq_exporter.h"
#include "quant/cache.h"
#include "quant/calibrate.h"
#include "quant/input_convs.h"

namespace actrt::cli {
namespace {

Result<int> run_quantize(const std::vector<std::string>& raw_args) {
  ArgParser p("actrt quantize MODEL (--calib-data PATH | --calib-random | --calibration-cache FILE) "
              "-o OUT.onnx [options]",
              "Calibrates a model (TensorRT semantics: entropy, min-max or percentile on the FP32 "
              "graph; an existing calibration cache skips calibration) and writes the original "
              "model with QuantizeLinear/DequantizeLinear pairs on the activation inputs of "
              "Conv/MatMul/Gemm with a weight and int8 per-channel weights (products of two "
              "activations, i.e. attention, stay floating point), for ONNX Runtime and "
              "TensorRT 11.",
              {"actrt quantize act.onnx --calib-data episodes/ --cameras top -o act.qdq.onnx",
               "actrt quantize act.onnx --calibration-cache act.cache -o act.qdq.onnx",
               "actrt quantize act.onnx --calib-random --calib-samples 8 -o act-random.qdq.onnx"});
  p.positional("MODEL", "an ONNX model (.onnx)");
  p.group("Model loading");
  p.option("shapes", "NAME:DIMS,...", "concrete input shapes for symbolic dimensions");
  add_calibration_options(p);
  p.option("seed", "N", "seed for the choice of calibration samples and random data", "1");
  p.group("Output");
  p.option("output", "OUT.onnx", "where to write the Q/DQ model (also -o)");
  p.flag("force", "overwrite OUT if it exists");
  std::vector<std::string> args;
  for (const std::string& a : raw_args) args.push_back(a == "-o" ? "--output" : a);
  if (int rc = parse_or_exit(p, args); rc >= 0) return rc;
  if (!p.has("output")) return invalid_argument("-o OUT.onnx is required");
  if (p.get_all("calib-data").empty() && !p.has("calib-random") && !p.has("calibration-cache"))
    return invalid_argument(
        "scales are needed: give --calib-data PATH, --calib-random or --calibration-cache FILE");
  RETURN_IF_ERROR(prepare_output(p.get("output"), p.has("force"), "-o"));

  NetworkOptions options;
  options.optimize = false;  // tensor names must be the ONNX model's own
  if (p.has("shapes")) {
    ASSIGN_OR_RETURN(options.input_shapes, onnx_import::parse_shapes_option(p.get("shapes")));
  }
  ASSIGN_OR_RETURN(auto seed, p.get_int("seed", 1, 0, INT64_MAX));
  ASSIGN_OR_RETURN(auto net, network_from_onnx_path(p.arg("MODEL"), options));
  ASSIGN_OR_RETURN(auto calibrator, calibrator_from(p, net, static_cast<uint64_t>(seed)));
  ASSIGN_OR_RETURN(auto result, quant::calibrate(net.graph(), *calibrator));

  onnx_export::QdqExportOptions eo;
  eo.force = p.has("force");
  eo.description = "Q/DQ inserted by actrt from " +
                   std::string(quant::cache_algorithm_name(result.algorithm)) +
                   (result.from_cache ? " calibration cache " + p.get("calibration-cache")
                                       : std::string(" calibration")) +
                   ": symmetric int8, per-tensor activations, per-channel weights";
  // As INT8 builds do, the first convolution on each network input stays floating point.
  eo.keep_float = quant::input_convs(net.graph());
  for (const std::string& n : eo.keep_float)
    log_info("keeping '" + n + "' in floating point (first convolution on a network input)");
  ASSIGN_OR_RETURN(auto stats,
                   onnx_export::write_qdq_model(p.arg("MODEL"), result.scale_map(), p.get("output"), eo));
  if (!stats.kept_float.empty()) {
    std::string names;
    for (const std::string& n : stats.kept_float) names += (names.empty() ? "" : ", ") + n;
    log_info(
        fmt::format("{} products of two activations (attention) left in floating point, as INT8 "
                    "builds run them: {}",
                    stats.kept_float.size(), names));
  }
  for (const std::string& s : stats.skipped) log_warning("not quantized: " + s);
  std::printf("Wrote %s: %d layers quantized (%d activation Q/DQ pairs, %d int8 weights)%s\n",
              p.get("output").c_str(), stats.quantized_nodes, stats.activations, stats.weights,
              stats.skipped.empty() ? ""
                                     : (", " + std::to_string(stats.skipped.size()) +
                                        " inputs left in floating point").c_str());
  return 0;
}

}  // namespace

ACTRT_REGISTER_COMMAND(quantize, "calibrate and write a Q/DQ (explicitly quantized) ONNX model",
                       run_quantize);

}  // namespace actrt::cli
