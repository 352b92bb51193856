// Explicit quantization on the CPU backend: Q/DQ pairs around activations and DequantizeLinear
// weights (zero point 0) run as INT8 kernels with the model's scales (passes/fold_qdq.h and the
// INT8 lowering). The reference executor running the Q/DQ graph is exactly the fake-quant
// simulation, so the INT8 result must be within one output quantization step of it and much
// closer to it than the same model without its activation Q/DQ pair.
#include <gtest/gtest.h>

#include <cmath>

#include "backends/reference/executor.h"
#include "cpu_test_util.h"

namespace actrt::cpu_test {
namespace {

using runtime::TensorMap;

Tensor i8_tensor(Shape shape, const std::vector<int8_t>& v) {
  Tensor t(DataType::kInt8, std::move(shape));
  std::copy(v.begin(), v.end(), t.data<int8_t>());
  return t;
}

Tensor f32_tensor(Shape shape, const std::vector<float>& v) {
  Tensor t(DataType::kFloat32, std::move(shape));
  std::copy(v.begin(), v.end(), t.data<float>());
  return t;
}

// Seeded int8 weights in [-127, 127] whose every output channel reaches |q| = 127 (as
// max-calibrated weights do).
Tensor int8_weights(Shape shape, uint32_t seed) {
  Tensor r = random_tensor(shape, seed);
  Tensor t(DataType::kInt8, shape);
  const int64_t per_channel = t.numel() / shape[0];
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data<int8_t>()[i] = static_cast<int8_t>(std::lround(r.data<float>()[i] * 126.0f));
  for (int64_t c = 0; c < shape[0]; ++c) t.data<int8_t>()[c * per_channel] = c % 2 ? 127 : -127;
  return t;
}

struct QdqModel {
  std::unique_ptr<ir::Graph> graph;
  std::string output;
};

// x -> [Q -> DQ (scale sx, zero point zp)] -> Conv(., DQ(Wq, ws, axis 0), b) -> Relu.
QdqModel conv_model(bool activation_qdq, float sx, int8_t zp) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {1, 16, 10, 12});
  ir::Value* a = x;
  if (activation_qdq) {
    ir::Value* s = b.constant("sx", f32_tensor({}, {sx}));
    ir::Value* z = b.constant("zx", i8_tensor({}, {zp}));
    a = b.node("DequantizeLinear", {b.node("QuantizeLinear", {x, s, z}), s, z});
  }
  std::vector<float> ws(24);
  for (int c = 0; c < 24; ++c) ws[c] = 0.002f + 0.0005f * c;
  ir::Value* w = b.node("DequantizeLinear",
                        {b.constant("wq", int8_weights({24, 16, 3, 3}, 5)),
                         b.constant("ws", f32_tensor({24}, ws)),
                         b.constant("wz", i8_tensor({24}, std::vector<int8_t>(24, 0)))},
                        {{"axis", int_attr(0)}});
  ir::Value* y = b.node("Relu", {b.node("Conv", {a, w, b.constant("b", random_tensor({24}, 6))},
                                        {{"pads", ints({1, 1, 1, 1})}})});
  b.output(y);
  return {b.finish(), y->name()};
}

double max_diff(const Tensor& a, const Tensor& b) {
  double d = 0;
  for (int64_t i = 0; i < a.numel(); ++i)
    d = std::max(d, std::fabs(a.element_as_double(i) - b.element_as_double(i)));
  return d;
}

TEST(CpuInt8Qdq, QdqConvRunsOnInt8KernelsWithTheModelsScales) {
  const float sx = 1.0f / 127.0f;
  QdqModel m = conv_model(true, sx, 0);
  QdqModel plain = conv_model(false, sx, 0);
  TensorMap feeds{{"x", random_tensor({1, 16, 10, 12}, 7)}};
  // No --int8: explicit quantization needs no calibration.
  auto run = build_cpu(*m.graph);
  ASSERT_TRUE(run);
  EXPECT_EQ(count_kernel(run->plan, "onednn.conv.s8"), 1);
  EXPECT_EQ(run->plan.metadata["cpu.qdq_pairs_folded"], "1");
  EXPECT_EQ(run->plan.int8_scales.at("x"), sx);
  for (const auto& n : run->plan.graph->nodes()) {
    EXPECT_NE(n->op_type(), "QuantizeLinear");
    // The weights' DequantizeLinear is folded to a constant by shape inference.
    if (n->op_type() != "DequantizeLinear") continue;
    EXPECT_TRUE(n->output(0)->is_constant());
  }
  TensorMap outs;
  ASSERT_TRUE(run->ctx->infer(feeds, outs).ok());
  auto fake_quant = reference::Executor(*m.graph).run(feeds);
  auto unquantized = reference::Executor(*plain.graph).run(feeds);
  ASSERT_TRUE(fake_quant.ok() && unquantized.ok());
  const Tensor& fq = fake_quant->at(m.output);
  double step = 0;
  for (float v : fq.span<const float>()) step = std::max(step, std::fabs(v) / 127.0);
  const double err = max_diff(outs.at(m.output), fq);
  EXPECT_LE(err, step);
  EXPECT_LT(err * 20, max_diff(unquantized->at(plain.output), fq));
}

// A zero point other than 0 is not symmetric int8: the pair stays, runs on the reference Q/DQ
// kernels, and the result is exactly the model's.
TEST(CpuInt8Qdq, NonZeroZeroPointStaysExact) {
  QdqModel m = conv_model(true, 1.0f / 100.0f, 3);
  TensorMap feeds{{"x", random_tensor({1, 16, 10, 12}, 8)}};
  auto run = expect_matches_reference(*m.graph, feeds, 1e-5);
  ASSERT_TRUE(run);
  EXPECT_EQ(count_kernel(run->plan, "onednn.conv.s8"), 0);
  EXPECT_EQ(run->plan.metadata.count("cpu.qdq_pairs_folded"), 0u);
}

// --layer-precisions CONV:fp32 keeps an explicitly quantized layer in FP32.
TEST(CpuInt8Qdq, LayerPrecisionOverrideWins) {
  QdqModel m = conv_model(true, 1.0f / 127.0f, 0);
  std::string conv;
  for (const auto& n : m.graph->nodes())
    if (n->op_type() == "Conv") conv = n->name();
  const runtime::Backend* be = runtime::find_backend(BackendKind::kCpu);
  runtime::Plan plan;
  plan.graph = m.graph->clone();
  BuilderConfig config;
  config.layer_precisions[conv] = Precision::kFp32;
  ASSERT_TRUE(be->compile(plan, config).ok());
  EXPECT_EQ(count_kernel(plan, "onednn.conv.s8"), 0);
  EXPECT_EQ(count_kernel(plan, "onednn.conv"), 1);
}

}  // namespace
}  // namespace actrt::cpu_test
