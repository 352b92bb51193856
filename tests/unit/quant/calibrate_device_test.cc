// compute_scales on a backend's device (ScaleOptions::backend, quant/statistics.h), without a
// GPU: a fake backend whose runner computes the statistics on the host from the reference
// executor's activations, with its own loops. Checks the orchestration: same scales as the host
// path, the log line, the silent and the warned fallbacks, and that the device's anomalies and
// errors are worded like the host's and name the sample. The CUDA runner itself is checked
// against the host path in tests/ops/cuda_calibration_test.cc.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "backends/reference/executor.h"
#include "runtime/backend.h"
#include "quant/calibrate.h"
#include "quant/calibrators.h"
#include "quant_test_util.h"

using namespace actrt;
using namespace actrt::quant;
using namespace actrt::quant::testing;

namespace {

struct FakeOptions {
  bool offer = true;                 // make_activation_stats_runner gives a runner
  std::string setup_error;           // ... or fails with this message
  int fail_at_sample = -1;           // accumulate_max fails (device error) on this sample
  bool above_max_in_pass_2 = false;  // accumulate_histograms reports kAboveMax on tensor 2
};

// The statistics of engine/activation_stats.h, computed independently of ActivationObserver.
class FakeRunner : public runtime::ActivationStatsRunner {
 public:
  FakeRunner(const ir::Graph& graph, std::vector<std::string> names, FakeOptions o)
      : graph_(graph), names_(std::move(names)), o_(o), max_(names_.size(), 0.0f) {}

  std::string description() const override { return "fake device"; }

  Result<std::optional<runtime::StatsAnomaly>> accumulate_max(
      const runtime::TensorMap& feed) override {
    if (int(sample_) == o_.fail_at_sample) return device_error("the fake device fell over");
    ASSIGN_OR_RETURN(auto values, activations(feed));
    for (size_t k = 0; k < names_.size(); ++k) {
      const Tensor& t = values.at(names_[k]);
      for (int64_t i = 0; i < t.numel(); ++i) {
        const float x = t.data<float>()[i];
        if (!std::isfinite(x))
          return std::optional<runtime::StatsAnomaly>(runtime::StatsAnomaly{
              std::isnan(x) ? runtime::StatsAnomaly::Kind::kNaN : runtime::StatsAnomaly::Kind::kInf,
              k, i, 0.0});
        max_[k] = std::max(max_[k], std::fabs(x));
      }
    }
    ++sample_;
    return std::optional<runtime::StatsAnomaly>();
  }
  Result<std::vector<float>> max_abs() override { return max_; }
  Status start_histograms(const std::vector<float>& max_abs, int bins) override {
    hmax_ = max_abs;
    hist_.assign(names_.size(), std::vector<uint64_t>(size_t(bins), 0));
    return ok_status();
  }
  Result<std::optional<runtime::StatsAnomaly>> accumulate_histograms(
      const runtime::TensorMap& feed) override {
    if (o_.above_max_in_pass_2)
      return std::optional<runtime::StatsAnomaly>(
          runtime::StatsAnomaly{runtime::StatsAnomaly::Kind::kAboveMax, 2, 5, 3.5});
    ASSIGN_OR_RETURN(auto values, activations(feed));
    for (size_t k = 0; k < names_.size(); ++k) {
      const Tensor& t = values.at(names_[k]);
      const double m = hmax_[k];
      const int bins = int(hist_[k].size());
      for (int64_t i = 0; i < t.numel(); ++i) {
        const double a = std::fabs(double(t.data<float>()[i]));
        int64_t b = 0;
        if (m > 0) b = std::min<int64_t>(bins - 1, int64_t(a * (bins / m)));
        ++hist_[k][size_t(b)];
      }
    }
    return std::optional<runtime::StatsAnomaly>();
  }
  Result<std::vector<std::vector<uint64_t>>> histograms() override { return hist_; }

 private:
  Result<runtime::TensorMap> activations(const runtime::TensorMap& feed) {
    runtime::TensorMap values = feed;
    auto r =
        reference::Executor(graph_).run(feed, [&](const ir::Node& n, std::span<const Tensor> outs) {
          for (size_t k = 0; k < outs.size(); ++k) values[n.output(k)->name()] = outs[k].clone();
        });
    if (!r.ok()) return r.status();
    return values;
  }
  const ir::Graph& graph_;
  std::vector<std::string> names_;
  FakeOptions o_;
  size_t sample_ = 0;
  std::vector<float> max_, hmax_;
  std::vector<std::vector<uint64_t>> hist_;
};

class FakeBackend : public runtime::Backend {
 public:
  explicit FakeBackend(FakeOptions o) : o_(std::move(o)) {}
  BackendKind kind() const override { return BackendKind::kCuda; }
  Status available() const override { return ok_status(); }
  std::string current_target() const override { return "fake"; }
  Status check_target(std::string_view) const override { return ok_status(); }
  int contract_version() const override { return 1; }
  std::string unsupported_reason(const ir::Node&) const override { return ""; }
  Status compile(runtime::Plan&, const BuilderConfig&) const override { return ok_status(); }
  Result<std::unique_ptr<runtime::ExecutionContext>> create_context(
      const runtime::Plan&, const runtime::ContextOptions&) const override {
    return unsupported("fake");
  }
  Result<std::unique_ptr<runtime::ActivationStatsRunner>> make_activation_stats_runner(
      const ir::Graph& graph, const std::vector<std::string>& tensors) const override {
    if (!o_.setup_error.empty()) return unsupported(o_.setup_error);
    if (!o_.offer) return runtime::Backend::make_activation_stats_runner(graph, tensors);
    return std::unique_ptr<runtime::ActivationStatsRunner>(new FakeRunner(graph, tensors, o_));
  }

 private:
  FakeOptions o_;
};

ScaleOptions opts(CalibrationAlgorithm a, const runtime::Backend* backend = nullptr) {
  ScaleOptions o;
  o.algorithm = a;
  o.show_progress = false;
  o.backend = backend;
  return o;
}

struct Logged {
  Result<ScaleList> scales;
  std::string log;
};

Logged run(const ir::Graph& g, const DataLoader& data, const ScaleOptions& o) {
  ::testing::internal::CaptureStderr();
  auto s = compute_scales(g, data, o);
  return {std::move(s), ::testing::internal::GetCapturedStderr()};
}

void expect_bit_identical(const ScaleList& a, const ScaleList& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    EXPECT_EQ(std::bit_cast<uint32_t>(a[i].second), std::bit_cast<uint32_t>(b[i].second))
        << a[i].first;
  }
}

// x [1,3,6,6] -> Log -> y: NaN where x < 0, -Inf where x == 0.
std::unique_ptr<ir::Graph> log_graph() {
  Builder b;
  ir::Value* x = b.input("x", {1, 3, 6, 6});
  b.output(b.op("Log", "y", {x}));
  auto g = b.take();
  EXPECT_TRUE(passes::infer_shapes(*g).ok());
  return g;
}

std::vector<TensorMap> positive_feeds(size_t n, uint32_t seed) {
  std::vector<TensorMap> items = normal_feeds(n, seed);
  for (auto& item : items)
    for (float& v : item.at("x").span<float>()) v = std::fabs(v) + 0.5f;
  return items;
}

}  // namespace

TEST(QuantCalibrateDevice, SameScalesAsTheHostForEveryAlgorithm) {
  auto g = small_graph();
  VectorLoader data(normal_feeds(6, 21));
  FakeBackend device({});
  for (auto algo : {CalibrationAlgorithm::kMinMax, CalibrationAlgorithm::kEntropy,
                    CalibrationAlgorithm::kPercentile}) {
    Logged host = run(*g, data, opts(algo));
    Logged dev = run(*g, data, opts(algo, &device));
    ASSERT_TRUE(host.scales.ok()) << host.scales.status().to_string();
    ASSERT_TRUE(dev.scales.ok()) << dev.scales.status().to_string();
    expect_bit_identical(*dev.scales, *host.scales);
    EXPECT_NE(dev.log.find("[I] Calibrating on the fake device"), std::string::npos) << dev.log;
    EXPECT_EQ(host.log.find("Calibrating on the"), std::string::npos) << host.log;
    EXPECT_EQ(dev.log.find("[W]"), std::string::npos) << dev.log;
  }
}

TEST(QuantCalibrateDevice, BackendWithoutDeviceStatisticsUsesTheHostSilently) {
  auto g = small_graph();
  VectorLoader data(normal_feeds(3, 22));
  FakeOptions o;
  o.offer = false;
  FakeBackend backend(o);
  Logged host = run(*g, data, opts(CalibrationAlgorithm::kEntropy));
  Logged dev = run(*g, data, opts(CalibrationAlgorithm::kEntropy, &backend));
  ASSERT_TRUE(host.scales.ok() && dev.scales.ok());
  expect_bit_identical(*dev.scales, *host.scales);
  EXPECT_EQ(dev.log.find("[W]"), std::string::npos) << dev.log;
  EXPECT_EQ(dev.log.find("Calibrating on the"), std::string::npos) << dev.log;
}

TEST(QuantCalibrateDevice, SetupFailureWarnsWhyAndFallsBackToTheHost) {
  auto g = small_graph();
  VectorLoader data(normal_feeds(3, 23));
  FakeOptions o;
  o.setup_error = "op 'Frobnicate' has no kernel";
  FakeBackend backend(o);
  Logged host = run(*g, data, opts(CalibrationAlgorithm::kPercentile));
  Logged dev = run(*g, data, opts(CalibrationAlgorithm::kPercentile, &backend));
  ASSERT_TRUE(host.scales.ok() && dev.scales.ok()) << dev.scales.status().to_string();
  expect_bit_identical(*dev.scales, *host.scales);
  EXPECT_NE(dev.log.find("[W] calibration cannot run on the cuda backend (op 'Frobnicate' has no "
                         "kernel); calibrating with the reference executor on the host"),
            std::string::npos)
      << dev.log;
}

TEST(QuantCalibrateDevice, NanAndInfAreWordedLikeTheHostAndNameSampleAndTensor) {
  auto g = log_graph();
  FakeBackend device({});
  for (float bad : {-1.0f, 0.0f}) {  // Log: NaN, -Inf
    std::vector<TensorMap> items = positive_feeds(5, 24);
    items[3]["x"].data<float>()[7] = bad;
    VectorLoader data(items);
    Logged host = run(*g, data, opts(CalibrationAlgorithm::kEntropy));
    Logged dev = run(*g, data, opts(CalibrationAlgorithm::kEntropy, &device));
    ASSERT_FALSE(host.scales.ok());
    ASSERT_FALSE(dev.scales.ok());
    const std::string expect = std::string("calibration sample 3: tensor 'y' holds ") +
                               (bad < 0 ? "NaN" : "Inf") + " at element 7";
    EXPECT_NE(host.scales.status().message().find(expect), std::string::npos)
        << host.scales.status().message();
    EXPECT_EQ(dev.scales.status().to_string(), host.scales.status().to_string());
  }
}

TEST(QuantCalibrateDevice, FeedsAreCheckedOnTheHostFirst) {
  auto g = small_graph();
  std::vector<TensorMap> items = normal_feeds(3, 25);
  items[1]["x"] = items[1]["x"].clone();
  items[1]["x"].data<float>()[4] = std::numeric_limits<float>::quiet_NaN();
  VectorLoader data(items);
  FakeBackend device({});
  Logged dev = run(*g, data, opts(CalibrationAlgorithm::kMinMax, &device));
  ASSERT_FALSE(dev.scales.ok());
  EXPECT_NE(
      dev.scales.status().message().find("calibration sample 1: input 'x' holds NaN at element 4"),
      std::string::npos)
      << dev.scales.status().message();
}

TEST(QuantCalibrateDevice, AboveTheFirstPassMaxIsAnInternalErrorNamingTheTensor) {
  auto g = small_graph();
  VectorLoader data(normal_feeds(2, 26));
  FakeOptions o;
  o.above_max_in_pass_2 = true;
  FakeBackend device(o);
  Logged dev = run(*g, data, opts(CalibrationAlgorithm::kEntropy, &device));
  ASSERT_FALSE(dev.scales.ok());
  EXPECT_EQ(dev.scales.status().code(), StatusCode::kInternal);
  // activation_tensors order: x, conv, relu, ...
  EXPECT_NE(dev.scales.status().message().find(
                "calibration sample 0: tensor 'relu' has |x| = 3.500000 above its first-pass max"),
            std::string::npos)
      << dev.scales.status().message();
}

TEST(QuantCalibrateDevice, DeviceErrorsNameTheSample) {
  auto g = small_graph();
  VectorLoader data(normal_feeds(4, 27));
  FakeOptions o;
  o.fail_at_sample = 2;
  FakeBackend device(o);
  Logged dev = run(*g, data, opts(CalibrationAlgorithm::kMinMax, &device));
  ASSERT_FALSE(dev.scales.ok());
  EXPECT_EQ(dev.scales.status().code(), StatusCode::kDeviceError);
  EXPECT_NE(dev.scales.status().message().find("calibration sample 2: the fake device fell over"),
            std::string::npos)
      << dev.scales.status().message();
}

TEST(QuantCalibrateDevice, ASamplesErrorComesBeforeTheNextSamplesLoadError) {
  // The feeds are loaded one sample ahead: sample 2's load error must not hide sample 1's.
  auto g = small_graph();
  class FailingLoader : public VectorLoader {
   public:
    using VectorLoader::VectorLoader;
    Result<TensorMap> get(size_t i) const override {
      if (i == 2) return io_error("sample 2 is unreadable");
      return VectorLoader::get(i);
    }
  } data(normal_feeds(4, 28));
  FakeOptions o;
  o.fail_at_sample = 1;
  FakeBackend device(o);
  Logged dev = run(*g, data, opts(CalibrationAlgorithm::kMinMax, &device));
  ASSERT_FALSE(dev.scales.ok());
  EXPECT_NE(dev.scales.status().message().find("calibration sample 1: the fake device fell over"),
            std::string::npos)
      << dev.scales.status().message();
  FakeBackend healthy({});
  Logged load = run(*g, data, opts(CalibrationAlgorithm::kMinMax, &healthy));
  ASSERT_FALSE(load.scales.ok());
  EXPECT_EQ(load.scales.status().message(), "sample 2 is unreadable");
}
