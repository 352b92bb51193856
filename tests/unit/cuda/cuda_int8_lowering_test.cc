// The CUDA backend's INT8 lowering (int8_lowering.h) on its own, no GPU needed (runs in CI):
// which convolutions become INT8, where tensors stay int8 between them, where a quantize
// kernel is inserted, and the scales folded into the epilogue. The numerics of the same
// rewrite are checked on the GPU in tests/ops/cuda_int8_conv_test.cc.
#include <gtest/gtest.h>

#include <cmath>

#include "../../ops/graph_builder.h"
#include "../../ops/graph_queries.h"
#include "../../ops/qdq_test_graph.h"
#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/fusion.h"
#include "backends/cuda/int8_lowering.h"
#include "engine/serialize.h"
#include "passes/fold_qdq.h"
#include "quant/int8_intent.h"

namespace actrt::cuda {
namespace {

using namespace test_graph;

struct Block {
  std::unique_ptr<ir::Graph> g;
  std::map<std::string, float> scales;
};

// stem (3 -> 16 channels) -> a, b (residual block over a's output) -> c (1x1, graph output):
//   s = relu(conv_stem(x)); a = relu(conv_a(s)); b = relu(conv_b(a) + a); y = conv_c(b).
Block residual_block() {
  GraphBuilder gb;
  ir::Value* x = gb.input("x", {1, 3, 12, 10});
  auto conv = [&](ir::Value* in, int64_t c, int64_t m, int64_t k, uint32_t seed) {
    return gb.node("Conv", {in, gb.constant("w", random_tensor({m, c, k, k}, seed)),
                            gb.constant("b", random_tensor({m}, seed + 1))},
                   {{"pads", ints({k / 2, k / 2, k / 2, k / 2})}});
  };
  ir::Value* s = gb.node("Relu", {conv(x, 3, 16, 3, 1)});
  ir::Value* a = gb.node("Relu", {conv(s, 16, 32, 3, 3)});
  ir::Value* b = gb.node("Relu", {gb.node("Add", {conv(a, 32, 32, 3, 5), a})});
  ir::Value* y = conv(b, 32, 32, 1, 7);
  gb.output(y);
  Block blk;
  blk.g = gb.finish();
  blk.scales = {{x->name(), 0.01f}, {s->name(), 0.02f}, {a->name(), 0.03f},
                {b->name(), 0.04f}, {y->name(), 0.05f}};
  return blk;
}

std::vector<const ir::Node*> convs(const ir::Graph& g) { return test_graph::nodes_of(g, kCudaConv); }

const ir::Node* conv_reading(const ir::Graph& g, int64_t in_channels, int64_t k) {
  for (const ir::Node* n : convs(g))
    if (n->input(1)->shape()[3] == in_channels && n->input(1)->shape()[1] == k) return n;
  return nullptr;
}

TEST(CudaInt8Lowering, ChainsInt8BetweenConvolutionsAndQuantizesOnce) {
  Block fresh = residual_block();
  auto stats = fuse_for_cuda(*fresh.g);
  ASSERT_TRUE(stats.ok());
  auto low = lower_int8_layers(*fresh.g, [](const ir::Node&) { return true; }, fresh.scales,
                              stats->nhwc_origin);
  ASSERT_TRUE(low.ok()) << low.status().to_string();
  // The stem (3 input channels) stays floating point; a, b, c run INT8.
  EXPECT_EQ(low->conv, 3);
  ASSERT_EQ(low->skipped.size(), 1u);
  EXPECT_NE(low->skipped[0].find("3 input"), std::string::npos) << low->skipped[0];
  // a and b write int8 (their readers are INT8 convolutions); c writes floating point (output).
  EXPECT_EQ(low->chained, 2);
  // One quantize kernel: the stem's output, read by a.
  EXPECT_EQ(low->quantize, 1);
  const ir::Graph& f = *fresh.g;
  const ir::Node* a = conv_reading(f, 16, 3);
  const ir::Node* b = conv_reading(f, 32, 3);
  const ir::Node* c = conv_reading(f, 32, 1);
  ASSERT_TRUE(a && b && c);
  for (const ir::Node* n : {a, b, c}) {
    EXPECT_TRUE(is_int8_conv(*n)) << n->name();
    EXPECT_EQ(n->input(1)->dtype(), DataType::kInt8);
    EXPECT_EQ(n->input(4)->dtype(), DataType::kFloat32);
  }
  ASSERT_TRUE(a->input(0)->producer());
  EXPECT_EQ(a->input(0)->producer()->op_type(), "QuantizeLinear");
  EXPECT_EQ(a->output(0)->dtype(), DataType::kInt8);
  EXPECT_EQ(b->input(0), a->output(0));  // int8 straight from a
  EXPECT_EQ(b->input(3), a->output(0));  // and as b's int8 residual
  EXPECT_EQ(b->output(0)->dtype(), DataType::kInt8);
  EXPECT_EQ(c->input(0), b->output(0));
  EXPECT_EQ(c->output(0)->dtype(), DataType::kFloat32);

  // b: scale = x_scale * w_scale[m] / y_scale, residual scale = a's scale / y_scale, bias / y_scale.
  const float sa = 0.03f, sb = 0.04f;
  EXPECT_FLOAT_EQ(b->attr_float("x_scale", 0).value(), sa);
  EXPECT_FLOAT_EQ(b->attr_float("y_scale", 0).value(), sb);
  EXPECT_FLOAT_EQ(c->attr_float("y_scale", 1).value(), 0.0f);
  const Tensor& zs = b->input(5)->constant();
  for (float v : zs.span<const float>()) EXPECT_FLOAT_EQ(v, sa / sb);
  const Tensor& s = b->input(4)->constant();
  // Per-channel weight quantization: every row of int8 weights reaches +-127.
  const Tensor& wq = b->input(1)->constant();
  const int64_t per_row = wq.numel() / wq.shape()[0];
  for (int64_t m = 0; m < wq.shape()[0]; ++m) {
    EXPECT_GT(s.data<float>()[m], 0.0f);
    int peak = 0;
    for (int64_t i = 0; i < per_row; ++i)
      peak = std::max(peak, std::abs(int(wq.data<int8_t>()[m * per_row + i])));
    EXPECT_EQ(peak, 127) << "channel " << m;
  }

  // FP16 builds keep the INT8 epilogue's vectors and the quantize scale in FP32.
  ASSERT_TRUE(convert_to_fp16(*fresh.g).ok());
  for (const ir::Node* n : convs(f)) {
    if (!is_int8_conv(*n)) continue;
    EXPECT_EQ(n->input(2)->dtype(), DataType::kFloat32) << n->name();
    EXPECT_EQ(n->input(4)->dtype(), DataType::kFloat32) << n->name();
  }
  for (const auto& n : f.nodes())
    if (n->op_type() == "QuantizeLinear") {
      EXPECT_EQ(n->input(0)->dtype(), DataType::kFloat16);
      EXPECT_EQ(n->input(1)->dtype(), DataType::kFloat32);
    }
  EXPECT_EQ(c->output(0)->dtype(), DataType::kFloat16);
}

TEST(CudaInt8Lowering, KeepsConvolutionsWithoutScalesOrNotPlannedInt8) {
  Block blk = residual_block();
  blk.scales.erase(blk.g->inputs()[0]->name());
  auto stats = fuse_for_cuda(*blk.g);
  ASSERT_TRUE(stats.ok());
  // a's input has no scale, c is not planned INT8.
  std::string a_input;
  for (const ir::Node* n : convs(*blk.g))
    if (n->input(1)->shape()[3] == 16) a_input = n->input(0)->name();
  blk.scales.erase(stats->nhwc_origin.count(a_input) ? stats->nhwc_origin.at(a_input) : a_input);
  auto wants = [&](const ir::Node& n) { return n.input(1)->shape()[1] != 1; };
  auto low = lower_int8_layers(*blk.g, wants, blk.scales, stats->nhwc_origin);
  ASSERT_TRUE(low.ok());
  EXPECT_EQ(low->conv, 1);  // b only
  EXPECT_EQ(low->chained, 0);  // its reader c is not INT8
  EXPECT_EQ(low->quantize, 1);  // a's floating-point output, read by b as input and residual
  bool named = false;
  for (const std::string& s : low->skipped) named |= s.find("no scale for input") != std::string::npos;
  EXPECT_TRUE(named);
}

// Explicit quantization: x -> Q -> DQ -> Conv(., DQ(int8 W, per-channel scales)) -> Relu. The
// model's Q/DQ pair becomes the INT8 convolution's input scale (what CudaBackend::compile does:
// fold_qdq, fusion, lowering with Int8Intent); nothing was planned INT8.
TEST(CudaInt8Lowering, QdqModelConvolutionRunsInt8WithTheModelsScale) {
  const float sx = 0.0125f;
  auto g = qdq_conv_graph({1, 16, 10, 12}, 32, sx);
  auto qdq = passes::fold_qdq(*g);
  ASSERT_TRUE(qdq.ok()) << qdq.status().to_string();
  EXPECT_EQ(qdq->pairs, 1);
  auto stats = fuse_for_cuda(*g);
  ASSERT_TRUE(stats.ok());
  quant::Int8Intent intent;
  intent.qdq_scales = qdq->scales;
  intent.value_origin = &stats->nhwc_origin;
  auto low = lower_int8_layers(*g, intent, qdq->scales, stats->nhwc_origin);
  ASSERT_TRUE(low.ok()) << low.status().to_string();
  EXPECT_EQ(low->conv, 1);
  EXPECT_EQ(low->quantize, 1);  // the graph input, quantized with the model's scale
  const ir::Node* c = convs(*g).at(0);
  EXPECT_TRUE(is_int8_conv(*c));
  EXPECT_FLOAT_EQ(c->attr_float("x_scale", 0).value(), sx);
  int dequantize = 0;
  for (const auto& n : g->nodes()) {
    dequantize += n->op_type() == "DequantizeLinear" && !n->output(0)->is_constant();
    if (n->op_type() == "QuantizeLinear") {
      EXPECT_FLOAT_EQ(n->input(1)->constant().data<float>()[0], sx);
    }
  }
  EXPECT_EQ(dequantize, 0);  // the activation pair is folded; the weights' DQ is a constant
  // Planned precisions and overrides: a --layer-precisions entry keeps it floating point.
  std::map<std::string, Precision> overrides{{c->name(), Precision::kFp16}};
  intent.overrides = &overrides;
  EXPECT_FALSE(intent(*c));
}

// An INT8 plan (int8 weights, FP32 epilogue vectors, int8 activations, QuantizeLinear, scale
// attributes) survives the engine file byte for byte, as `actrt build --save-engine` needs.
TEST(CudaInt8Lowering, Int8PlanRoundTripsThroughTheEngineFormat) {
  Block blk = residual_block();
  auto stats = fuse_for_cuda(*blk.g);
  ASSERT_TRUE(stats.ok());
  auto low = lower_int8_layers(*blk.g, [](const ir::Node&) { return true; }, blk.scales,
                              stats->nhwc_origin);
  ASSERT_TRUE(low.ok());
  ASSERT_TRUE(convert_to_fp16(*blk.g).ok());
  runtime::Plan plan;
  plan.backend = BackendKind::kCuda;
  plan.target = "sm_90";
  plan.graph = std::move(blk.g);
  plan.int8_scales = blk.scales;
  for (const auto& n : plan.graph->nodes())
    plan.layers[n->name()] = runtime::LayerChoice{"test", is_int8_conv(*n) ? Precision::kInt8
                                                                          : Precision::kFp16};
  auto bytes = engine::serialize_plan(plan);
  ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
  auto back = engine::deserialize_plan(*bytes, "int8 plan");
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  auto again = engine::serialize_plan(*back);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *bytes);  // deterministic and lossless
  int int8_convs = 0;
  for (const ir::Node* n : convs(*back->graph)) {
    if (!is_int8_conv(*n)) continue;
    ++int8_convs;
    EXPECT_EQ(n->input(1)->dtype(), DataType::kInt8);
    EXPECT_EQ(n->input(4)->dtype(), DataType::kFloat32);
    EXPECT_GT(n->attr_float("x_scale", 0).value(), 0.0f);
  }
  EXPECT_EQ(int8_convs, 3);
  EXPECT_EQ(back->int8_scales, plan.int8_scales);
}

// Matrix products: x [8, 32] -> MatMul(w [32, 48]) + b -> y, and a product whose K (24) is no
// multiple of 16. Only products the matmul filter picks are lowered; the weights become int8
// [N, K] (trans_b) with one scale per output column, folded with the input's scale.
TEST(CudaInt8Lowering, MatrixProductsGoInt8WithPerColumnScales) {
  GraphBuilder gb;
  ir::Value* x = gb.input("x", {8, 32});
  const Tensor w = random_tensor({32, 48}, 5);
  ir::Value* y = gb.node("Add", {gb.node("MatMul", {x, gb.constant("w", w)}),
                                 gb.constant("b", random_tensor({48}, 6))});
  gb.output(y);
  ir::Value* x2 = gb.input("x2", {8, 24});
  gb.output(gb.node("MatMul", {x2, gb.constant("w2", random_tensor({24, 16}, 7))}));
  auto g = gb.finish();
  auto stats = fuse_for_cuda(*g);
  ASSERT_TRUE(stats.ok());
  const std::map<std::string, float> scales{{"x", 0.02f}, {"x2", 0.03f}};
  auto all = [](const ir::Node&) { return true; };
  auto none = [](const ir::Node&) { return false; };
  auto untouched = g->clone();
  auto low0 = lower_int8_layers(*untouched, none, scales, stats->nhwc_origin);
  ASSERT_TRUE(low0.ok());
  EXPECT_EQ(low0->matmul, 0);  // no matmul filter: products stay as they are

  auto low = lower_int8_layers(*g, none, scales, stats->nhwc_origin, all);
  ASSERT_TRUE(low.ok()) << low.status().to_string();
  EXPECT_EQ(low->matmul, 1);
  ASSERT_EQ(low->skipped.size(), 1u);
  EXPECT_NE(low->skipped[0].find("K 24"), std::string::npos) << low->skipped[0];
  const ir::Node* mm = nullptr;
  for (const ir::Node* n : nodes_of(*g, kCudaMatMul))
    if (is_int8_matmul(*n)) mm = n;
  ASSERT_NE(mm, nullptr);
  EXPECT_EQ(mm->input(0)->producer()->op_type(), "QuantizeLinear");
  EXPECT_EQ(mm->attr_int("trans_b", 0).value(), 1);
  const Tensor& wq = mm->input(1)->constant();
  ASSERT_EQ(wq.dtype(), DataType::kInt8);
  EXPECT_EQ(wq.shape(), (Shape{48, 32}));
  const Tensor& bias = mm->input(2)->constant();
  const Tensor& scale = mm->input(3)->constant();
  ASSERT_EQ(scale.numel(), 48);
  EXPECT_EQ(bias.dtype(), DataType::kFloat32);
  // Column 5: its scale is 0.02 * max |w[:, 5]| / 127, and its int8 weights reproduce w.
  float amax = 0;
  for (int64_t k = 0; k < 32; ++k) amax = std::max(amax, std::fabs(w.data<float>()[k * 48 + 5]));
  EXPECT_NEAR(scale.data<float>()[5], 0.02f * amax / 127, 1e-9);
  for (int64_t k = 0; k < 32; ++k)
    EXPECT_NEAR(wq.data<int8_t>()[5 * 32 + k] * amax / 127, w.data<float>()[k * 48 + 5],
                amax / 127 / 2 + 1e-7);
}

}  // namespace
}  // namespace actrt::cuda
