// INT8 sensitivity of an ACT policy, per layer: how much each INT8 layer costs in L1 to the
// ground-truth actions (docs/quantization.md, "What is sensitive", was measured with it).
//
//   int8_sensitivity MODEL EPISODES STATS.json CAMERAS [ALGO] [MODE] [fp32-layer ...]
//
// ALGO: entropy (default), minmax or percentile (99.99). Calibration uses 32 samples of the same
// seeded split as `actrt compare` (seed 1), the evaluation its 40 samples; the calibration cache
// is kept in /tmp so that every build after the first skips calibration.
// MODE: all (default: one INT8 engine), only (each INT8 layer alone in INT8) or without (every
// INT8 layer but one). Layers named after MODE are kept FP32 in every engine.
// Prints L1 (normalized action units) of the FP32 engine, of the INT8 engine, and per layer.
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "actrt/calibrator.h"
#include "actrt/engine.h"
#include "actrt/log.h"
#include "actrt/runners.h"
#include "compare/act_evaluation.h"
#include "data/act_episodes.h"

namespace {

using namespace actrt;

struct Setup {
  std::shared_ptr<Network> net;
  std::shared_ptr<data::ActEpisodes> episodes;
  compare::ActInputNames names;
  compare::ActEvaluationSet set;
  CalibratorOptions calib;
};

Result<double> l1_of(const std::shared_ptr<Engine>& engine, const Setup& s) {
  auto runner = make_engine_runner(
      [engine]() -> Result<std::shared_ptr<Engine>> { return engine; }, "int8", {.threads = 0});
  RETURN_IF_ERROR(runner->activate());
  std::vector<Tensor> predictions;
  for (const TensorMap& feed : s.set.feeds) {
    ASSIGN_OR_RETURN(TensorMap out, runner->infer(feed));
    predictions.push_back(out.begin()->second);
  }
  RETURN_IF_ERROR(runner->deactivate());
  ASSIGN_OR_RETURN(compare::ChunkAccuracy acc, compare::chunk_accuracy(predictions, s.set));
  return acc.l1;
}

Result<std::shared_ptr<Engine>> build(const Setup& s, bool int8,
                                      const std::map<std::string, Precision>& overrides) {
  BuilderConfig c;
  c.int8 = int8;
  c.layer_precisions = overrides;
  if (int8) {
    ASSIGN_OR_RETURN(c.calibrator, make_calibrator(s.calib));
  }
  return engine_from_network(*s.net, c);
}

Status run(int argc, char** argv) {
  if (argc < 5)
    return invalid_argument(
        "usage: int8_sensitivity MODEL EPISODES STATS.json CAMERAS [ALGO] [all|only|without] "
        "[fp32-layer ...]");
  const std::string algo = argc > 5 ? argv[5] : "entropy";
  const std::string mode = argc > 6 ? argv[6] : "all";
  if (mode != "all" && mode != "only" && mode != "without")
    return invalid_argument("MODE must be all, only or without, got '" + mode + "'");
  auto algorithm = calibration_algorithm_from_name(algo);
  if (!algorithm) return invalid_argument("ALGO must be entropy, minmax or percentile, got '" + algo + "'");
  std::map<std::string, Precision> keep;
  for (int i = 7; i < argc; ++i) keep[argv[i]] = Precision::kFp32;

  Setup s;
  ASSIGN_OR_RETURN(s.net, network_from_onnx_path_shared(argv[1]));
  std::vector<std::string> cameras;
  std::stringstream list(argv[4]);
  for (std::string c; std::getline(list, c, ',');) cameras.push_back(c);
  ASSIGN_OR_RETURN(data::ActEpisodes eps, data::ActEpisodes::open(argv[2], cameras));
  ASSIGN_OR_RETURN(data::NormStats stats, data::load_norm_stats(argv[3]));
  RETURN_IF_ERROR(eps.use_stats(std::move(stats)));
  s.episodes = std::make_shared<data::ActEpisodes>(std::move(eps));
  ASSIGN_OR_RETURN(s.names, compare::find_act_inputs(s.net->inputs()));
  compare::ActEvaluationOptions eo;
  for (const TensorInfo& out : s.net->outputs())
    if (out.shape.size() == 3) eo.chunk = out.shape[1];
  ASSIGN_OR_RETURN(s.set, compare::load_act_evaluation(*s.episodes, s.names, eo));
  s.calib.algorithm = *algorithm;
  s.calib.samples = 32;
  s.calib.show_progress = false;
  s.calib.cache_path = "/tmp/int8_sensitivity." + algo + ".cache";
  s.calib.data = std::make_shared<compare::ActCalibrationLoader>(s.episodes, s.set.calibration, s.names);

  ASSIGN_OR_RETURN(auto fp32, build(s, false, {}));
  ASSIGN_OR_RETURN(double fp32_l1, l1_of(fp32, s));
  std::printf("fp32                 L1 %.4f\n", fp32_l1);
  ASSIGN_OR_RETURN(auto int8, build(s, true, keep));
  ASSIGN_OR_RETURN(double int8_l1, l1_of(int8, s));
  std::printf("int8 (%s)        L1 %.4f\n", algo.c_str(), int8_l1);
  if (mode == "all") return ok_status();
  std::vector<std::string> layers;
  for (const LayerInfo& l : int8->layers())
    if (l.precision == Precision::kInt8) layers.push_back(l.name);
  for (const std::string& layer : layers) {
    std::map<std::string, Precision> o = keep;
    if (mode == "without") o[layer] = Precision::kFp32;
    else
      for (const std::string& other : layers)
        if (other != layer) o[other] = Precision::kFp32;
    ASSIGN_OR_RETURN(auto e, build(s, true, o));
    ASSIGN_OR_RETURN(double l1, l1_of(e, s));
    std::printf("%-8s %.4f  %s\n", mode.c_str(), l1, layer.c_str());
    std::fflush(stdout);
  }
  return ok_status();
}

}  // namespace

int main(int argc, char** argv) {
  actrt::set_log_level(actrt::LogLevel::kError);
  const actrt::Status s = run(argc, argv);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.to_string().c_str());
    return 1;
  }
  return 0;
}
