#include "compare/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/half.h"

namespace actrt::compare {
namespace {

Tensor f32(std::vector<float> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return Tensor::from_vector(DataType::kFloat32, {n}, v);
}

TEST(CompareMetrics, HandComputedValues) {
  // abs = [0, 0.5, 3, 0.5]; rel = [0, 0.2, 3/eps, 0.5/4.5].
  const Tensor a = f32({1, 2, 3, 4});
  const Tensor b = f32({1, 2.5f, 0, 4.5f});
  Result<OutputMetrics> r = compare_tensors(a, b, {0.6, 0.15});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const OutputMetrics& m = *r;
  EXPECT_EQ(m.numel, 4);
  EXPECT_DOUBLE_EQ(m.max_abs, 3.0);
  EXPECT_DOUBLE_EQ(m.mean_abs, 1.0);
  EXPECT_DOUBLE_EQ(m.median_abs, 0.5);
  EXPECT_DOUBLE_EQ(m.l1, 1.0);
  EXPECT_DOUBLE_EQ(m.max_rel, 3.0 / kRelativeEpsilon);
  EXPECT_NEAR(m.median_rel, (0.2 + 0.5 / 4.5) / 2, 1e-7);
  EXPECT_NEAR(m.mean_rel, (0 + 0.2 + 3.0 / kRelativeEpsilon + 0.5 / 4.5) / 4, 1.0);
  EXPECT_NEAR(m.cosine, 24.0 / std::sqrt(30.0 * 27.5), 1e-12);
  // Only element 2 exceeds both tolerances.
  EXPECT_EQ(m.mismatches, 1);
  EXPECT_DOUBLE_EQ(m.pass_rate, 0.75);
  EXPECT_FALSE(m.passed);
  EXPECT_DOUBLE_EQ(m.required.atol, 3.0);
  EXPECT_DOUBLE_EQ(m.required.rtol, 3.0 / kRelativeEpsilon);
  EXPECT_DOUBLE_EQ(m.stats_a.mean, 2.5);
  EXPECT_DOUBLE_EQ(m.stats_a.median, 2.5);
  EXPECT_DOUBLE_EQ(m.stats_b.max, 4.5);

  // The required atol on its own passes (the rule is strictly greater-than).
  Result<OutputMetrics> ok = compare_tensors(a, b, {m.required.atol, 0});
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->passed);
}

TEST(CompareMetrics, FailsOnlyWhenBothTolerancesExceeded) {
  // abs 0.5 > atol, but rel 0.005 <= rtol: passes.
  EXPECT_TRUE(compare_tensors(f32({100.5f}), f32({100}), {1e-5, 0.01})->passed);
  // rel is huge (reference 0), but abs 1e-6 <= atol: passes.
  EXPECT_TRUE(compare_tensors(f32({1e-6f}), f32({0}), {1e-5, 1e-5})->passed);
  // both exceeded: fails.
  EXPECT_FALSE(compare_tensors(f32({100.5f}), f32({100}), {1e-5, 1e-3})->passed);
  // exactly at the tolerances: passes (greater-than, not greater-or-equal).
  EXPECT_TRUE(compare_tensors(f32({1.5f}), f32({1}), {0.5, 0.5})->passed);
  EXPECT_FALSE(compare_tensors(f32({1.5f}), f32({1}), {0.49, 0.49})->passed);
  // 0 vs 0: rel is 0 thanks to the epsilon guard, no NaN.
  Result<OutputMetrics> zero = compare_tensors(f32({0, 0}), f32({0, 0}), {0, 0});
  EXPECT_TRUE(zero->passed);
  EXPECT_EQ(zero->max_rel, 0);
  EXPECT_EQ(zero->cosine, 1);  // both all-zero
  EXPECT_EQ(compare_tensors(f32({1, 1}), f32({0, 0}))->cosine, 0);
  // Default tolerances are Polygraphy's 1e-5.
  EXPECT_EQ(Tolerance{}.atol, 1e-5);
  EXPECT_EQ(Tolerance{}.rtol, 1e-5);
}

TEST(CompareMetrics, NanAndInfinityAlwaysFail) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  Result<OutputMetrics> m = compare_tensors(f32({1, nan}), f32({1, 2}), {1e9, 1e9});
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->passed);
  EXPECT_EQ(m->mismatches, 1);
  EXPECT_TRUE(std::isnan(m->max_abs));
  // Matching infinities: inf - inf is NaN (Polygraphy's infinities_compare_equal=False).
  EXPECT_FALSE(compare_tensors(f32({inf}), f32({inf}), {1e9, 1e9})->passed);
  // NaN in a stat fails the stat modes too.
  EXPECT_FALSE(compare_tensors(f32({nan}), f32({1}), {1e9, 1e9}, ErrorStat::kMean)->passed);
}

TEST(CompareMetrics, ErrorStatModes) {
  // abs = [0, 0, 0, 1], rel = [0, 0, 0, 1/eps]; atol 0.3, rtol 0.
  const Tensor a = f32({0, 0, 0, 1});
  const Tensor b = f32({0, 0, 0, 0});
  const Tolerance tol{0.3, 0};
  EXPECT_FALSE(compare_tensors(a, b, tol, ErrorStat::kElemwise)->passed);
  EXPECT_FALSE(compare_tensors(a, b, tol, ErrorStat::kMax)->passed);
  Result<OutputMetrics> mean = compare_tensors(a, b, tol, ErrorStat::kMean);
  EXPECT_TRUE(mean->passed);  // mean abs 0.25 <= 0.3
  EXPECT_DOUBLE_EQ(mean->required.atol, 0.25);
  Result<OutputMetrics> median = compare_tensors(a, b, tol, ErrorStat::kMedian);
  EXPECT_TRUE(median->passed);
  EXPECT_DOUBLE_EQ(median->required.atol, 0);
  // Mean: failing needs both stats above their tolerances.
  EXPECT_FALSE(compare_tensors(a, b, {0.2, 0}, ErrorStat::kMean)->passed);
  EXPECT_TRUE(compare_tensors(a, b, {0.2, 1e300}, ErrorStat::kMean)->passed);
  // mismatches are counted with the elemwise rule whatever the stat.
  EXPECT_EQ(mean->mismatches, 1);
}

TEST(CompareMetrics, Fp16AndBoolAreUpcast) {
  Tensor h(DataType::kFloat16, {2});
  h.data<uint16_t>()[0] = float_to_fp16(1.0f);
  h.data<uint16_t>()[1] = float_to_fp16(0.5f);
  Result<OutputMetrics> m = compare_tensors(h, f32({1.0f, 0.75f}), {0, 0});
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_DOUBLE_EQ(m->max_abs, 0.25);
  EXPECT_EQ(m->dtype_a, DataType::kFloat16);

  Tensor ba = Tensor::from_vector<uint8_t>(DataType::kBool, {3}, {1, 0, 1});
  Tensor bb = Tensor::from_vector<uint8_t>(DataType::kBool, {3}, {1, 1, 1});
  Result<OutputMetrics> bm = compare_tensors(ba, bb, {0, 0});
  EXPECT_DOUBLE_EQ(bm->max_abs, 1);
  EXPECT_EQ(bm->mismatches, 1);
}

TEST(CompareMetrics, ShapeMismatchAndUndefinedAreErrors) {
  Result<OutputMetrics> r = compare_tensors(f32({1, 2}), f32({1, 2, 3}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("2"), std::string::npos);
  EXPECT_NE(r.status().message().find("3"), std::string::npos);
  EXPECT_FALSE(compare_tensors(Tensor(), f32({1})).ok());
}

TEST(CompareMetrics, EmptyTensorsPass) {
  Tensor e(DataType::kFloat32, {0, 3});
  Result<OutputMetrics> m = compare_tensors(e, e);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->passed);
  EXPECT_EQ(m->pass_rate, 1);
}

TEST(CompareMetrics, L1AlongAxis) {
  // [1, 3, 2]: time step t has |a-b| = t+1 in both dims.
  Tensor a = Tensor::from_vector<float>(DataType::kFloat32, {1, 3, 2}, {1, 1, 2, 2, 3, 3});
  Tensor b(DataType::kFloat32, {1, 3, 2});
  Result<std::vector<double>> l1 = l1_along_axis(a, b, 1);
  ASSERT_TRUE(l1.ok());
  EXPECT_EQ(*l1, (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(*l1_along_axis(a, b, -2), *l1);
  EXPECT_FALSE(l1_along_axis(a, b, 3).ok());
}

TEST(CompareMetrics, ToleranceOptionsParsePerOutput) {
  ToleranceOptions o;
  ASSERT_TRUE(o.parse_atol("1e-3").ok());
  ASSERT_TRUE(o.parse_atol("actions:0.5").ok());
  ASSERT_TRUE(o.parse_rtol("ns:out:2").ok());  // last colon splits
  ASSERT_TRUE(o.parse_error_stat_arg("actions:median").ok());
  EXPECT_EQ(o.tolerance_for("other").atol, 1e-3);
  EXPECT_EQ(o.tolerance_for("actions").atol, 0.5);
  EXPECT_EQ(o.tolerance_for("actions").rtol, kDefaultRtol);
  EXPECT_EQ(o.tolerance_for("ns:out").rtol, 2);
  EXPECT_EQ(o.error_stat_for("actions"), ErrorStat::kMedian);
  EXPECT_EQ(o.error_stat_for("other"), ErrorStat::kElemwise);
  EXPECT_FALSE(o.parse_atol("-1").ok());
  EXPECT_FALSE(o.parse_atol("x:abc").ok());
  EXPECT_FALSE(o.parse_error_stat_arg("quantile").ok());
}

TEST(CompareMetrics, FormatLooksLikePolygraphy) {
  Result<OutputMetrics> m = compare_tensors(f32({1, 2}), f32({1, 2.5f}), {1e-3, 1e-3});
  const auto lines = format_output_metrics(*m, "actions", "cpu-int8", "cpu-fp32");
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  EXPECT_NE(all.find("Tolerance: [abs=0.001, rel=0.001] | Checking elemwise error"),
            std::string::npos);
  EXPECT_NE(all.find("Minimum Required Tolerance: elemwise error | [abs=0.5] OR [rel=0.2]"),
            std::string::npos);
  EXPECT_NE(all.find("cpu-int8: actions | Stats:"), std::string::npos);
  EXPECT_EQ(lines.back().rfind("FAILED | Output: 'actions'", 0), 0u);
}

}  // namespace
}  // namespace actrt::compare
