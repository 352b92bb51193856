// Calibration end to end on a small graph: scales per algorithm, order independence, the cache
// workflow, and every bad input (no data, zero samples, shapes that do not fit, NaN / Inf).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "quant/cache.h"
#include "quant/calibrate.h"
#include "quant/observers.h"
#include "quant_test_util.h"

using namespace actrt;
using namespace actrt::quant;
using namespace actrt::quant::testing;

namespace {

ScaleOptions opts(CalibrationAlgorithm a) {
  ScaleOptions o;
  o.algorithm = a;
  o.show_progress = false;
  return o;
}

float scale_of(const ScaleList& s, const std::string& name) {
  for (const auto& [n, v] : s)
    if (n == name) return v;
  ADD_FAILURE() << "no scale for " << name;
  return -1;
}

}  // namespace

TEST(QuantCalibrate, ObservesEveryFloatActivationInGraphOrder) {
  auto g = small_graph();
  std::vector<std::string> names;
  for (const ir::Value* v : activation_tensors(*g)) names.push_back(v->name());
  EXPECT_EQ(names, (std::vector<std::string>{"x", "conv", "relu", "flat", "mm"}));
}

TEST(QuantCalibrate, MinMaxScaleIsMaxAbsOver127) {
  auto g = small_graph();
  VectorLoader data(normal_feeds(6, 11));
  auto s = compute_scales(*g, data, opts(CalibrationAlgorithm::kMinMax));
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  float max_abs = 0;
  for (const auto& item : data.items())
    for (float v : item.at("x").span<float>()) max_abs = std::max(max_abs, std::fabs(v));
  EXPECT_EQ(scale_of(*s, "x"), static_cast<float>(static_cast<double>(max_abs) / 127.0));
  // Relu output: min-max of the conv's positive part, never above the conv's.
  EXPECT_LE(scale_of(*s, "relu"), scale_of(*s, "conv"));
}

TEST(QuantCalibrate, EntropyAndPercentileClipBelowMinMax) {
  auto g = small_graph();
  VectorLoader data(normal_feeds(8, 12));
  auto mm = compute_scales(*g, data, opts(CalibrationAlgorithm::kMinMax));
  auto en = compute_scales(*g, data, opts(CalibrationAlgorithm::kEntropy));
  ScaleOptions po = opts(CalibrationAlgorithm::kPercentile);
  po.percentile = 99.0;
  auto pc = compute_scales(*g, data, po);
  ASSERT_TRUE(mm.ok() && en.ok() && pc.ok());
  for (const char* t : {"x", "conv", "mm"}) {
    EXPECT_LE(scale_of(*en, t), scale_of(*mm, t)) << t;
    // 'mm' has only 40 values: its 99th percentile is its max bin.
    if (std::string(t) == "mm") EXPECT_LE(scale_of(*pc, t), scale_of(*mm, t)) << t;
    else EXPECT_LT(scale_of(*pc, t), scale_of(*mm, t)) << t;
    EXPECT_GT(scale_of(*en, t), 0.0f) << t;
  }
}

TEST(QuantCalibrate, ShuffledSamplesGiveBitIdenticalScales) {
  auto g = small_graph();
  std::vector<TensorMap> items = normal_feeds(10, 13);
  VectorLoader a(items);
  std::vector<TensorMap> shuffled = items;
  std::reverse(shuffled.begin(), shuffled.end());
  std::swap(shuffled[1], shuffled[6]);
  VectorLoader b(shuffled);
  for (auto algo : {CalibrationAlgorithm::kEntropy, CalibrationAlgorithm::kPercentile,
                    CalibrationAlgorithm::kMinMax}) {
    auto sa = compute_scales(*g, a, opts(algo));
    auto sb = compute_scales(*g, b, opts(algo));
    ASSERT_TRUE(sa.ok() && sb.ok());
    ASSERT_EQ(sa->size(), sb->size());
    for (size_t i = 0; i < sa->size(); ++i)
      EXPECT_EQ(std::bit_cast<uint32_t>((*sa)[i].second), std::bit_cast<uint32_t>((*sb)[i].second))
          << (*sa)[i].first << " with " << calibration_algorithm_name(algo);
  }
}

TEST(QuantCalibrate, SamplesLimitUsesTheFirstItems) {
  auto g = small_graph();
  std::vector<TensorMap> items = normal_feeds(4, 14);
  VectorLoader all(items);
  VectorLoader first_two({items[0], items[1]});
  ScaleOptions o = opts(CalibrationAlgorithm::kMinMax);
  o.samples = 2;
  auto a = compute_scales(*g, all, o);
  auto b = compute_scales(*g, first_two, opts(CalibrationAlgorithm::kMinMax));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(scale_of(*a, "x"), scale_of(*b, "x"));
}

TEST(QuantCalibrate, CacheIsWrittenThenReusedWithoutData) {
  auto g = small_graph();
  TempDir dir;
  CalibratorOptions o;
  o.data = std::make_shared<VectorLoader>(normal_feeds(4, 15));
  o.cache_path = dir.file("act.cache");
  o.show_progress = false;
  auto c1 = make_calibrator(o);
  ASSERT_TRUE(c1.ok());
  EXPECT_FALSE((*c1)->uses_existing_cache());
  auto r1 = calibrate(*g, **c1);
  ASSERT_TRUE(r1.ok()) << r1.status().to_string();
  EXPECT_FALSE(r1->from_cache);
  const std::string written = read_text(o.cache_path);
  EXPECT_EQ(written.rfind("TRT-8600-EntropyCalibration2\nx: ", 0), 0u) << written;

  // Second run: no data at all, the cache is used, the file is untouched.
  CalibratorOptions o2;
  o2.cache_path = o.cache_path;
  o2.algorithm = CalibrationAlgorithm::kMinMax;  // the cache's algorithm wins (with a warning)
  auto c2 = make_calibrator(o2);
  ASSERT_TRUE(c2.ok()) << c2.status().to_string();
  ::testing::internal::CaptureStderr();
  auto r2 = calibrate(*g, **c2);
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r2.ok()) << r2.status().to_string();
  EXPECT_TRUE(r2->from_cache);
  EXPECT_EQ(r2->algorithm, CalibrationAlgorithm::kEntropy);
  EXPECT_NE(log.find("[W]"), std::string::npos) << log;
  EXPECT_EQ(r2->scale_map(), r1->scale_map());
  EXPECT_EQ(read_text(o.cache_path), written);
}

TEST(QuantCalibrate, NeedsDataOrAnExistingCache) {
  CalibratorOptions o;
  auto c = make_calibrator(o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("calibration data or a calibration cache"), std::string::npos);
  o.cache_path = "/nonexistent/dir/x.cache";
  c = make_calibrator(o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("does not exist"), std::string::npos);
  CalibratorOptions p;
  p.data = std::make_shared<VectorLoader>(normal_feeds(1, 1));
  p.algorithm = CalibrationAlgorithm::kPercentile;
  p.percentile = 0;
  EXPECT_FALSE(make_calibrator(p).ok());
  p.percentile = 100.5;
  EXPECT_FALSE(make_calibrator(p).ok());
}

TEST(QuantCalibrate, ZeroSamplesIsAnError) {
  auto g = small_graph();
  VectorLoader empty({});
  auto s = compute_scales(*g, empty, opts(CalibrationAlgorithm::kEntropy));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("zero calibration samples"), std::string::npos);
}

TEST(QuantCalibrate, DataThatDoesNotFitTheModelNamesSampleAndInput) {
  auto g = small_graph();
  std::vector<TensorMap> items = normal_feeds(3, 16);
  items[2]["x"] = Tensor(DataType::kFloat32, {1, 3, 8, 8});
  VectorLoader wrong_shape(items);
  auto s = compute_scales(*g, wrong_shape, opts(CalibrationAlgorithm::kMinMax));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("calibration sample 2 does not fit the model: input 'x' is "
                                      "f32 1x3x8x8, the model expects f32 1x3x6x6"),
            std::string::npos)
      << s.status().message();

  VectorLoader missing({{{"image", Tensor(DataType::kFloat32, {1, 3, 6, 6})}}});
  s = compute_scales(*g, missing, opts(CalibrationAlgorithm::kMinMax));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("calibration sample 0 does not fit the model: it has no input 'x'"),
            std::string::npos)
      << s.status().message();
}

TEST(QuantCalibrate, NanOrInfNamesSampleAndInput) {
  auto g = small_graph();
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    std::vector<TensorMap> items = normal_feeds(5, 17);
    items[3]["x"] = items[3]["x"].clone();
    items[3]["x"].data<float>()[7] = bad;
    VectorLoader data(items);
    auto s = compute_scales(*g, data, opts(CalibrationAlgorithm::kEntropy));
    ASSERT_FALSE(s.ok());
    const std::string expect = std::string("calibration sample 3: input 'x' holds ") +
                               (std::isnan(bad) ? "NaN" : "Inf") + " at element 7";
    EXPECT_NE(s.status().message().find(expect), std::string::npos) << s.status().message();
  }
}
