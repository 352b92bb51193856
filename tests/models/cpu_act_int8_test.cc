// INT8 act-tiny on the CPU backend, on its committed evaluation episodes (the split of `actrt
// compare`: calibration samples never overlap the evaluation ones).
//   * Calibrated INT8 (entropy): the convolutions and matrix products really run on the s8
//     kernels, the engine file round-trips byte for byte, and the L1 to the ground-truth actions
//     stays within 10 % of FP32's (issue 5's bar) while the outputs differ from FP32's.
//   * A Q/DQ model written by `actrt quantize`'s exporter runs on the s8 kernels without any
//     calibration at build time and stays within 10 % of FP32's L1 too.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <unistd.h>

#include "actrt/calibrator.h"
#include "actrt/engine.h"
#include "actrt/runners.h"
#include "compare/act_evaluation.h"
#include "data/act_episodes.h"
#include "runtime/plan.h"
#include "onnx/qdq_exporter.h"
#include "quant/calibrate.h"
#include "quant/input_convs.h"

namespace actrt {
namespace {

namespace fs = std::filesystem;

std::string source_dir() {
  const char* dir = std::getenv("ACTRT_SOURCE_DIR");
  return dir ? dir : ACTRT_SOURCE_DIR;
}

struct ActTinyEval {
  std::shared_ptr<data::ActEpisodes> episodes;
  compare::ActInputNames names;
  compare::ActEvaluationSet set;
};

// 16 calibration samples, 40 evaluation samples (seed 1), as `actrt compare --calib-samples 16`.
Result<ActTinyEval> load_eval(const Network& net) {
  ActTinyEval e;
  ASSIGN_OR_RETURN(data::ActEpisodes eps, data::ActEpisodes::open(
                                              source_dir() + "/models/act-tiny/eval",
                                              {"top", "left_wrist"}));
  ASSIGN_OR_RETURN(data::NormStats stats,
                   data::load_norm_stats(source_dir() + "/models/act-tiny/stats.json"));
  RETURN_IF_ERROR(eps.use_stats(std::move(stats)));
  e.episodes = std::make_shared<data::ActEpisodes>(std::move(eps));
  ASSIGN_OR_RETURN(e.names, compare::find_act_inputs(net.inputs()));
  compare::ActEvaluationOptions o;
  o.calibration_samples = 16;
  o.evaluation_samples = 40;
  o.chunk = 20;
  ASSIGN_OR_RETURN(e.set, compare::load_act_evaluation(*e.episodes, e.names, o));
  return e;
}

struct Outcome {
  double l1 = 0;
  std::vector<Tensor> predictions;
};

Result<Outcome> evaluate(const std::shared_ptr<Engine>& engine, const ActTinyEval& e) {
  auto runner = make_engine_runner(
      [engine]() -> Result<std::shared_ptr<Engine>> { return engine; }, "engine", {.threads = 2});
  RETURN_IF_ERROR(runner->activate());
  Outcome out;
  for (const TensorMap& feed : e.set.feeds) {
    ASSIGN_OR_RETURN(TensorMap o, runner->infer(feed));
    out.predictions.push_back(o.begin()->second);
  }
  RETURN_IF_ERROR(runner->deactivate());
  ASSIGN_OR_RETURN(compare::ChunkAccuracy acc, compare::chunk_accuracy(out.predictions, e.set));
  out.l1 = acc.l1;
  return out;
}

int count_kernel(const Engine& engine, const std::string& kernel, Precision precision) {
  int n = 0;
  for (const LayerInfo& l : engine.layers()) n += l.kernel == kernel && l.precision == precision;
  return n;
}

double mean_abs_diff(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  double sum = 0;
  int64_t n = 0;
  for (size_t i = 0; i < a.size(); ++i)
    for (int64_t k = 0; k < a[i].numel(); ++k, ++n)
      sum += std::fabs(a[i].element_as_double(k) - b[i].element_as_double(k));
  return n ? sum / static_cast<double>(n) : 0;
}

class CpuActInt8 : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = source_dir() + "/models/act-tiny/act-tiny.onnx";
    if (!fs::exists(model_)) GTEST_SKIP() << model_ << " not present";
    auto net = network_from_onnx_path_shared(model_);
    ASSERT_TRUE(net.ok()) << net.status().to_string();
    net_ = net.value();
    auto e = load_eval(*net_);
    ASSERT_TRUE(e.ok()) << e.status().to_string();
    eval_ = std::move(e).value();
    BuilderConfig c;
    c.threads = 2;
    auto fp32 = engine_from_network(*net_, c);
    ASSERT_TRUE(fp32.ok()) << fp32.status().to_string();
    auto o = evaluate(fp32.value(), eval_);
    ASSERT_TRUE(o.ok()) << o.status().to_string();
    fp32_ = std::move(o).value();
    ASSERT_GT(fp32_.l1, 0.0);
  }

  std::string model_;
  std::shared_ptr<Network> net_;
  ActTinyEval eval_;
  Outcome fp32_;
};

TEST_F(CpuActInt8, EntropyCalibratedEngineRunsInt8AndStaysWithinTenPercentOfFp32) {
  CalibratorOptions o;
  o.algorithm = CalibrationAlgorithm::kEntropy;
  o.samples = 16;
  o.show_progress = false;
  o.data = std::make_shared<compare::ActCalibrationLoader>(eval_.episodes, eval_.set.calibration,
                                                           eval_.names);
  BuilderConfig c;
  c.threads = 2;
  c.int8 = true;
  auto cal = make_calibrator(std::move(o));
  ASSERT_TRUE(cal.ok()) << cal.status().to_string();
  c.calibrator = cal.value();
  auto engine = engine_from_network(*net_, c);
  ASSERT_TRUE(engine.ok()) << engine.status().to_string();
  // act-tiny: 20 of the 21 convolutions (ResNet trunk over both cameras, input_proj) and 19
  // constant-weight matrix products (projections, feed-forward, action head) run INT8.
  EXPECT_GE(count_kernel(*engine.value(), "onednn.conv.s8", Precision::kInt8), 20);
  EXPECT_GE(count_kernel(*engine.value(), "onednn.matmul.s8", Precision::kInt8), 15);
  // Only the first convolution (both cameras, batched) stays FP32 (quant/input_convs.h).
  EXPECT_EQ(count_kernel(*engine.value(), "onednn.conv", Precision::kFp32), 1);

  auto bytes = engine.value()->serialize();
  ASSERT_TRUE(bytes.ok());
  auto loaded = engine_from_bytes(bytes.value());
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  auto again = loaded.value()->serialize();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(bytes.value() == again.value()) << "save -> load -> save is not byte-identical";

  auto int8 = evaluate(loaded.value(), eval_);
  ASSERT_TRUE(int8.ok()) << int8.status().to_string();
  EXPECT_LE(int8->l1, 1.10 * fp32_.l1) << "INT8 L1 " << int8->l1 << ", FP32 L1 " << fp32_.l1;
  // The outputs are INT8's own (not FP32's), but close to them.
  const double diff = mean_abs_diff(int8->predictions, fp32_.predictions);
  EXPECT_GT(diff, 1e-4);
  EXPECT_LT(diff, 0.1);
}

TEST_F(CpuActInt8, QdqModelFromQuantizeRunsOnInt8Kernels) {
  // `actrt quantize`: calibrate the graph as imported (the ONNX model's tensor names), write Q/DQ.
  NetworkOptions as_imported;
  as_imported.optimize = false;
  auto raw = network_from_onnx_path(model_, as_imported);
  ASSERT_TRUE(raw.ok()) << raw.status().to_string();
  compare::ActCalibrationLoader loader(eval_.episodes, eval_.set.calibration, eval_.names);
  quant::ScaleOptions so;
  so.algorithm = CalibrationAlgorithm::kEntropy;
  so.samples = 16;
  so.show_progress = false;
  auto scales = quant::compute_scales(raw->graph(), loader, so);
  ASSERT_TRUE(scales.ok()) << scales.status().to_string();
  const fs::path dir = fs::temp_directory_path() / ("actrt_int8_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string qdq = (dir / "act-tiny.qdq.onnx").string();
  onnx_export::QdqExportOptions eo;
  eo.keep_float = quant::input_convs(raw->graph());  // as `actrt quantize` does
  EXPECT_EQ(eo.keep_float.size(), 2u) << "one first conv per camera";
  auto stats = onnx_export::write_qdq_model(model_, {scales->begin(), scales->end()}, qdq, eo);
  ASSERT_TRUE(stats.ok()) << stats.status().to_string();

  // Explicit quantization: no --int8, no calibrator.
  auto net = network_from_onnx_path_shared(qdq);
  ASSERT_TRUE(net.ok()) << net.status().to_string();
  BuilderConfig c;
  c.threads = 2;
  auto engine = engine_from_network(*net.value(), c);
  fs::remove_all(dir);
  ASSERT_TRUE(engine.ok()) << engine.status().to_string();
  EXPECT_GE(count_kernel(*engine.value(), "onednn.conv.s8", Precision::kInt8), 20);
  EXPECT_GE(count_kernel(*engine.value(), "onednn.matmul.s8", Precision::kInt8), 15);
  for (const LayerInfo& l : engine.value()->layers())
    EXPECT_NE(l.op_type, "QuantizeLinear") << l.name << " was not folded";

  auto out = evaluate(engine.value(), eval_);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_LE(out->l1, 1.10 * fp32_.l1) << "Q/DQ L1 " << out->l1 << ", FP32 L1 " << fp32_.l1;
  EXPECT_GT(mean_abs_diff(out->predictions, fp32_.predictions), 1e-4);
}

}  // namespace
}  // namespace actrt
