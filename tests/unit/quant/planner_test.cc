// Precision planner: INT8 where an INT8 kernel exists and scales are known, fallbacks reported
// once per tensor in TensorRT's words, LayerNorm kept in FP32, user overrides.
#include <gtest/gtest.h>

#include "quant/input_convs.h"
#include "quant/precision_planner.h"
#include "quant_test_util.h"

using namespace actrt;
using namespace actrt::quant;
using namespace actrt::quant::testing;

namespace {

// x [4,8] -> MatMul(w1) "mm1" -> LayerNormalization "ln" -> MatMul(w2) "mm2" -> Softmax "sm"
//         -> MatMul(sm, sm^T-shaped weight) "mm3"
std::unique_ptr<ir::Graph> planner_graph() {
  Builder b;
  ir::Value* x = b.input("x", {4, 8});
  ir::Value* m1 = b.op("MatMul", "mm1", {x, b.weight("w1", {8, 8}, 1)});
  ir::Value* ln = b.op("LayerNormalization", "ln",
                       {m1, b.weight("gamma", {8}, 2), b.weight("beta", {8}, 3)},
                       {{"axis", attr_i(-1)}});
  ir::Value* m2 = b.op("MatMul", "mm2", {ln, b.weight("w2", {8, 8}, 4)});
  ir::Value* sm = b.op("Softmax", "sm", {m2}, {{"axis", attr_i(-1)}});
  ir::Value* m3 = b.op("MatMul", "mm3", {sm, b.weight("w3", {8, 8}, 5)});
  b.output(m3);
  auto g = b.take();
  EXPECT_TRUE(passes::infer_shapes(*g).ok());
  return g;
}

}  // namespace

TEST(QuantPlanner, Int8WhereScalesAreKnownElseFloat) {
  auto g = planner_graph();
  BuilderConfig c;
  c.int8 = true;
  c.fp16 = true;
  // Scales for mm1's input and output; mm2 misses its output 'mm2'; mm3 misses its input 'sm'
  // and output 'mm3'.
  const std::map<std::string, float> scales = {{"x", 0.01f}, {"mm1", 0.02f}, {"ln", 0.03f}};
  ::testing::internal::CaptureStderr();
  PrecisionPlan p = plan_precisions(*g, scales, c);
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(p.precisions.at("mm1_node"), Precision::kInt8);
  EXPECT_EQ(p.precisions.at("ln_node"), Precision::kFp32);  // LayerNorm stays FP32
  EXPECT_EQ(p.precisions.at("mm2_node"), Precision::kFp16);
  EXPECT_EQ(p.precisions.at("sm_node"), Precision::kFp16);   // Softmax: floating point
  EXPECT_EQ(p.precisions.at("mm3_node"), Precision::kFp16);
  EXPECT_EQ(p.missing_scales, (std::vector<std::string>{"mm2", "sm", "mm3"}));
  EXPECT_NE(log.find("[W] Missing scale and zero-point for tensor mm2, expect fall back to non-int8 "
                     "implementation for any layer consuming or producing given tensor"),
            std::string::npos)
      << log;
  // Once per tensor: 'mm2' is consumed by Softmax too, but reported a single time.
  size_t count = 0;
  for (size_t pos = log.find("tensor mm2,"); pos != std::string::npos; pos = log.find("tensor mm2,", pos + 1))
    ++count;
  EXPECT_EQ(count, 1u);
  EXPECT_EQ(p.counts.at(Precision::kInt8), 1);
}

TEST(QuantPlanner, Fp32WithoutFp16AndOverridesWin) {
  auto g = planner_graph();
  BuilderConfig c;
  c.int8 = true;
  c.layer_precisions["mm1_node"] = Precision::kFp32;
  c.layer_precisions["ln_node"] = Precision::kFp16;
  std::map<std::string, float> all;
  for (const char* t : {"x", "mm1", "ln", "mm2", "sm", "mm3"}) all[t] = 0.1f;
  PrecisionPlan p = plan_precisions(*g, all, c);
  EXPECT_EQ(p.precisions.at("mm1_node"), Precision::kFp32);
  EXPECT_EQ(p.precisions.at("ln_node"), Precision::kFp16);
  EXPECT_EQ(p.precisions.at("mm2_node"), Precision::kInt8);
  EXPECT_EQ(p.precisions.at("sm_node"), Precision::kFp32);
  EXPECT_EQ(p.precisions.at("mm3_node"), Precision::kInt8);
  EXPECT_TRUE(p.missing_scales.empty());
  // Names that match no node are refused by the builder (Builder.RefusesSettingsThatWouldBeIgnored).
}

TEST(QuantPlanner, ZeroScaleCountsAsMissing) {
  auto g = planner_graph();
  BuilderConfig c;
  c.int8 = true;
  PrecisionPlan p = plan_precisions(*g, {{"x", 0.0f}, {"mm1", 0.1f}}, c);
  EXPECT_EQ(p.precisions.at("mm1_node"), Precision::kFp32);
  ASSERT_FALSE(p.missing_scales.empty());
  EXPECT_EQ(p.missing_scales[0], "x");
}

// image -> Sub -> Conv "c1" -> Relu -> Conv "c2"; qpos -> Gemm "g". Only c1 reads a network input
// through non-matrix ops: it stays floating point by default, an override quantizes it.
TEST(QuantPlanner, FirstConvolutionOnAnInputStaysFloat) {
  Builder b;
  ir::Value* img = b.input("image", {1, 3, 8, 8});
  ir::Value* q = b.input("qpos", {1, 6});
  ir::Value* n = b.op("Sub", "n", {img, b.weight("mean", {1, 3, 1, 1}, 1)});
  ir::Value* c1 = b.op("Conv", "c1", {n, b.weight("k1", {4, 3, 3, 3}, 2)});
  ir::Value* r = b.op("Relu", "r", {c1});
  ir::Value* c2 = b.op("Conv", "c2", {r, b.weight("k2", {4, 4, 3, 3}, 3)});
  ir::Value* g = b.op("Gemm", "g", {q, b.weight("wg", {6, 5}, 4)});
  b.output(c2);
  b.output(g);
  auto graph = b.take();
  ASSERT_TRUE(passes::infer_shapes(*graph).ok());
  EXPECT_EQ(input_convs(*graph), (std::set<std::string>{"c1_node"}));

  std::map<std::string, float> scales;
  for (const char* t : {"image", "qpos", "n", "c1", "r", "c2", "g"}) scales[t] = 0.01f;
  BuilderConfig c;
  c.int8 = true;
  PrecisionPlan p = plan_precisions(*graph, scales, c);
  EXPECT_EQ(p.precisions.at("c1_node"), Precision::kFp32);
  EXPECT_EQ(p.precisions.at("c2_node"), Precision::kInt8);
  EXPECT_EQ(p.precisions.at("g_node"), Precision::kInt8);
  c.layer_precisions["c1_node"] = Precision::kInt8;
  p = plan_precisions(*graph, scales, c);
  EXPECT_EQ(p.precisions.at("c1_node"), Precision::kInt8);
}
