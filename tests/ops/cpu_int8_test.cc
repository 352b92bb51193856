// INT8 kernels of the CPU backend (oneDNN s8 convolution and matmul) against a floating-point
// simulation of the same quantization (fake quant): inputs rounded to the int8 grid with their
// per-tensor scale, weights with their per-channel scales, then the FP32 reference executor.
// The INT8 result must lie within one quantization step of the output (max |y| / 127), and it
// must be much closer to the fake-quant result than the unquantized FP32 result is: that second
// check fails if the kernel silently computed in FP32, or with another scale or rounding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "backends/reference/executor.h"
#include "cpu_test_util.h"
#include "engine/serialize.h"
#include "quant/weight_scales.h"

namespace actrt::cpu_test {
namespace {

using runtime::TensorMap;

float max_abs(const Tensor& t) {
  float m = 0;
  for (float v : t.span<const float>()) m = std::max(m, std::fabs(v));
  return m;
}

double max_diff(const Tensor& a, const Tensor& b) {
  double d = 0;
  for (int64_t i = 0; i < a.numel(); ++i)
    d = std::max(d, std::fabs(a.element_as_double(i) - b.element_as_double(i)));
  return d;
}

// x rounded to the int8 grid of `scale` (round half to even, clipped to [-128, 127]).
Tensor fake_quant(const Tensor& x, float scale) {
  Tensor out = x.clone();
  for (float& v : out.span<float>()) v = quant::quantize_value(v, scale, -128, 127) * scale;
  return out;
}

// w rounded to its per-channel int8 grid along `axis` (the lowering's rule).
Tensor fake_quant_weights(const Tensor& w, int64_t axis) {
  auto s = quant::per_channel_weight_scales(w, axis);
  EXPECT_TRUE(s.ok());
  auto q = quant::quantize_per_channel(w, axis, s.value());
  EXPECT_TRUE(q.ok());
  Tensor out = w.clone();
  const Shape& sh = w.shape();
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < sh.size(); ++d) inner *= sh[d];
  for (int64_t i = 0; i < w.numel(); ++i)
    out.data<float>()[i] = q->data<int8_t>()[i] * s.value()[(i / inner) % sh[axis]];
  return out;
}

// Compiles `g` for the CPU with INT8 requested for node `node` and scale[x] for each input.
std::unique_ptr<CpuRun> build_int8(const ir::Graph& g, const std::string& node,
                                   const std::map<std::string, float>& scales,
                                   Precision precision = Precision::kInt8) {
  const runtime::Backend* be = runtime::find_backend(BackendKind::kCpu);
  auto run = std::make_unique<CpuRun>();
  run->plan.graph = g.clone();
  run->plan.int8_scales = scales;
  BuilderConfig config;
  config.threads = 2;
  config.int8 = true;
  config.layer_precisions[node] = precision;
  Status s = be->compile(run->plan, config);
  EXPECT_TRUE(s.ok()) << s.to_string();
  if (!s.ok()) return nullptr;
  auto ctx = be->create_context(run->plan, {});
  EXPECT_TRUE(ctx.ok()) << ctx.status().to_string();
  if (!ctx.ok()) return nullptr;
  run->ctx = std::move(ctx).value();
  return run;
}

// The graph with constant `weight` replaced by `replacement` (same shape).
std::unique_ptr<ir::Graph> with_weight(const ir::Graph& g, const std::string& weight,
                                       const Tensor& replacement) {
  auto out = g.clone();
  ir::Value* v = out->find_value(weight);
  EXPECT_NE(v, nullptr) << weight;
  if (v) v->set_constant(replacement);
  return out;
}

Tensor run_reference(const ir::Graph& g, const TensorMap& feeds, const std::string& output) {
  auto r = reference::Executor(g).run(feeds);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? r->at(output) : Tensor();
}

struct Int8Check {
  double int8_vs_fake_quant = 0;  // max abs difference
  double fp32_vs_fake_quant = 0;
  double output_step = 0;         // max |fake-quant output| / 127
};

Int8Check check_against_fake_quant(const ir::Graph& g, const std::string& node,
                                   const std::string& weight, int64_t w_axis,
                                   const std::string& x_name, float x_scale,
                                   const TensorMap& feeds, const std::string& output,
                                   const std::string& kernel) {
  Int8Check c;
  auto run = build_int8(g, node, {{x_name, x_scale}});
  if (!run) return {1e9, 0, 0};
  EXPECT_EQ(count_kernel(run->plan, kernel), 1) << "the node did not run on " << kernel;
  for (const auto& [name, choice] : run->plan.layers)
    if (choice.kernel == kernel) {
      EXPECT_EQ(choice.precision, Precision::kInt8) << name;
    }
  TensorMap outs;
  Status s = run->ctx->infer(feeds, outs);
  EXPECT_TRUE(s.ok()) << s.to_string();
  if (!s.ok()) return {1e9, 0, 0};

  const ir::Value* w = g.find_value(weight);
  auto fq_graph = with_weight(g, weight, fake_quant_weights(w->constant(), w_axis));
  TensorMap fq_feeds = feeds;
  fq_feeds[x_name] = fake_quant(feeds.at(x_name), x_scale);
  const Tensor fq = run_reference(*fq_graph, fq_feeds, output);
  const Tensor fp32 = run_reference(g, feeds, output);
  c.int8_vs_fake_quant = max_diff(outs.at(output), fq);
  c.fp32_vs_fake_quant = max_diff(fp32, fq);
  c.output_step = max_abs(fq) / 127.0;
  return c;
}

void expect_int8_close(const Int8Check& c) {
  EXPECT_LE(c.int8_vs_fake_quant, c.output_step) << "more than one output quantization step";
  // The unquantized FP32 result is far from the fake-quant one; INT8 must be much closer.
  EXPECT_LT(c.int8_vs_fake_quant * 20, c.fp32_vs_fake_quant)
      << "INT8 " << c.int8_vs_fake_quant << " vs FP32 " << c.fp32_vs_fake_quant
      << ": the kernel does not compute the simulated quantization";
}

TEST(CpuInt8, ConvBiasResidualReluMatchesFakeQuant) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {1, 24, 13, 11});
  ir::Value* r = b.input("r", {1, 32, 13, 11});
  ir::Value* w = b.constant("w", random_tensor({32, 24, 3, 3}, 1));
  ir::Value* bias = b.constant("b", random_tensor({32}, 2, -2.0f, 2.0f));
  ir::Value* c = b.node("Conv", {x, w, bias}, {{"pads", ints({1, 1, 1, 1})}});
  b.output(b.node("Relu", {b.node("Add", {c, r})}));
  auto g = b.finish();
  const std::string conv = c->producer()->name();
  const std::string out = g->outputs()[0]->name();
  TensorMap feeds{{"x", random_tensor({1, 24, 13, 11}, 3)}, {"r", random_tensor({1, 32, 13, 11}, 4)}};
  // A scale that clips the largest inputs, so saturation is exercised too.
  const float sx = 0.9f / 127.0f;
  expect_int8_close(check_against_fake_quant(*g, conv, w->name(), 0, "x", sx, feeds, out,
                                             "onednn.conv.s8"));
}

TEST(CpuInt8, StridedGroupedConvWithoutBias) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {2, 16, 17, 9});
  ir::Value* w = b.constant("w", random_tensor({24, 4, 3, 3}, 11));
  ir::Value* c = b.node("Conv", {x, w}, {{"pads", ints({1, 0, 1, 0})},
                                         {"strides", ints({2, 1})},
                                         {"group", int_attr(4)}});
  b.output(c);
  auto g = b.finish();
  TensorMap feeds{{"x", random_tensor({2, 16, 17, 9}, 12)}};
  expect_int8_close(check_against_fake_quant(*g, c->producer()->name(), w->name(), 0, "x",
                                             1.0f / 127.0f, feeds, c->name(), "onednn.conv.s8"));
}

TEST(CpuInt8, MatMul3dBiasReluMatchesFakeQuant) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {2, 5, 40});
  ir::Value* w = b.constant("w", random_tensor({40, 33}, 21));
  ir::Value* bias = b.constant("b", random_tensor({33}, 22));
  ir::Value* mm = b.node("MatMul", {x, w});
  b.output(b.node("Relu", {b.node("Add", {mm, bias})}));
  auto g = b.finish();
  TensorMap feeds{{"x", random_tensor({2, 5, 40}, 23)}};
  // MatMul B [K, N]: output channels along axis 1.
  expect_int8_close(check_against_fake_quant(*g, mm->producer()->name(), w->name(), 1, "x",
                                             1.0f / 127.0f, feeds, g->outputs()[0]->name(),
                                             "onednn.matmul.s8"));
}

TEST(CpuInt8, GemmTransBAlphaBetaMatchesFakeQuant) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {7, 24});
  ir::Value* w = b.constant("w", random_tensor({19, 24}, 31));
  ir::Value* c = b.constant("c", random_tensor({19}, 32));
  ir::Value* y = b.node("Gemm", {x, w, c}, {{"transB", int_attr(1)},
                                            {"alpha", float_attr(0.5f)},
                                            {"beta", float_attr(2.0f)}});
  b.output(y);
  auto g = b.finish();
  TensorMap feeds{{"x", random_tensor({7, 24}, 33, -3.0f, 3.0f)}};
  expect_int8_close(check_against_fake_quant(*g, y->producer()->name(), w->name(), 0, "x",
                                             3.0f / 127.0f, feeds, y->name(), "onednn.matmul.s8"));
}

// Two INT8 readers of one tensor with one scale share a single quantizing reorder.
TEST(CpuInt8, ReadersOfOneTensorShareTheQuantizedCopy) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {4, 16});
  ir::Value* y1 = b.node("MatMul", {x, b.constant("w1", random_tensor({16, 8}, 41))});
  ir::Value* y2 = b.node("MatMul", {x, b.constant("w2", random_tensor({16, 8}, 42))});
  b.output(b.node("Add", {y1, y2}));
  auto g = b.finish();
  const runtime::Backend* be = runtime::find_backend(BackendKind::kCpu);
  runtime::Plan plan;
  plan.graph = g->clone();
  plan.int8_scales = {{"x", 1.0f / 127.0f}};
  BuilderConfig config;
  config.int8 = true;
  config.layer_precisions[y1->producer()->name()] = Precision::kInt8;
  config.layer_precisions[y2->producer()->name()] = Precision::kInt8;
  ASSERT_TRUE(be->compile(plan, config).ok());
  EXPECT_EQ(count_kernel(plan, "onednn.matmul.s8"), 2);
  auto ctx = be->create_context(plan, {});
  ASSERT_TRUE(ctx.ok()) << ctx.status().to_string();
  auto prof = ctx.value()->profile({{"x", random_tensor({4, 16}, 43)}});
  ASSERT_TRUE(prof.ok()) << prof.status().to_string();
  int quantize_steps = 0;
  for (const auto& p : prof.value()) quantize_steps += p.op_type == "Quantize";
  EXPECT_EQ(quantize_steps, 1);
}

// conv -> relu -> conv: the first conv writes s8 for the second (y_scale); the pair is checked
// against a fake-quant reference with the intermediate rounded to its grid (Q/DQ nodes on the
// reference executor), and only the network input is quantized by a separate step.
TEST(CpuInt8, ConvChainPassesInt8Between) {
  const float sx = 1.0f / 127.0f, sy = 6.0f / 127.0f;
  const Tensor w1 = random_tensor({16, 8, 3, 3}, 91), w2 = random_tensor({12, 16, 3, 3}, 92);
  const Tensor b1 = random_tensor({16}, 93), b2 = random_tensor({12}, 94);
  auto make = [&](bool fake_quant) {
    GraphBuilder b;
    ir::Value* x = b.input("x", {1, 8, 11, 9});
    auto fq = [&](ir::Value* v, float s, const std::string& hint) {
      if (!fake_quant) return v;
      Tensor st(DataType::kFloat32, {}), zt(DataType::kInt8, {});
      st.data<float>()[0] = s;
      zt.data<int8_t>()[0] = 0;
      ir::Value* sv = b.constant(hint + "_s", st);
      ir::Value* zv = b.constant(hint + "_z", zt);
      return b.node("DequantizeLinear", {b.node("QuantizeLinear", {v, sv, zv}), sv, zv});
    };
    ir::Value* c1 = b.node("Conv", {fq(x, sx, "x"), b.constant("w1", fake_quant ? fake_quant_weights(w1, 0) : w1),
                                    b.constant("b1", b1)}, {{"pads", ints({1, 1, 1, 1})}});
    ir::Value* r = b.node("Relu", {c1});
    ir::Value* c2 = b.node("Conv", {fq(r, sy, "r"), b.constant("w2", fake_quant ? fake_quant_weights(w2, 0) : w2),
                                    b.constant("b2", b2)}, {{"pads", ints({1, 1, 1, 1})}});
    b.output(c2);
    return std::make_tuple(b.finish(), c1->producer()->name(), r->name(), c2->producer()->name(), c2->name());
  };
  auto [g, conv1, relu_out, conv2, out] = make(false);
  auto [fq_graph, u1, u2, u3, fq_out] = make(true);
  const runtime::Backend* be = runtime::find_backend(BackendKind::kCpu);
  runtime::Plan plan;
  plan.graph = g->clone();
  plan.int8_scales = {{"x", sx}, {relu_out, sy}};
  BuilderConfig config;
  config.int8 = true;
  config.layer_precisions[conv1] = Precision::kInt8;
  config.layer_precisions[conv2] = Precision::kInt8;
  ASSERT_TRUE(be->compile(plan, config).ok());
  EXPECT_EQ(count_kernel(plan, "onednn.conv.s8"), 2);
  EXPECT_EQ(plan.metadata["cpu.int8_chained"], "1");
  auto ctx = be->create_context(plan, {});
  ASSERT_TRUE(ctx.ok()) << ctx.status().to_string();
  TensorMap feeds{{"x", random_tensor({1, 8, 11, 9}, 95)}}, outs;
  ASSERT_TRUE(ctx.value()->infer(feeds, outs).ok());
  auto prof = ctx.value()->profile(feeds);
  ASSERT_TRUE(prof.ok());
  int quantize_steps = 0;
  for (const auto& p : prof.value()) quantize_steps += p.op_type == "Quantize";
  EXPECT_EQ(quantize_steps, 1) << "the intermediate tensor was quantized by a separate step";
  const Tensor fq = run_reference(*fq_graph, feeds, fq_out);
  const Tensor fp32 = run_reference(*g, feeds, out);
  expect_int8_close({max_diff(outs.at(out), fq), max_diff(fp32, fq), max_abs(fq) / 127.0});
}

// A ResNet basic block with an int8 residual: h0 = relu(conv0(x)) is read by conv1 (as X) and
// by conv2's residual sum, h1 = relu(conv1(h0)), out = relu(conv2(h1) + h0); with `tail`,
// y = conv3(out). Every tensor between the convs stays s8, the residual is added from s8
// (scaled into conv2's f32 output, or into its s8 output with the tail). Checked against
// fake quant with every int8 tensor, the residual included, rounded to its grid.
void check_int8_residual_block(bool tail) {
  const float sx = 1.0f / 127.0f, sh0 = 6.0f / 127.0f, sh1 = 9.0f / 127.0f, sout = 12.0f / 127.0f;
  const Tensor w0 = random_tensor({8, 8, 3, 3}, 101), w1 = random_tensor({8, 8, 3, 3}, 102);
  const Tensor w2 = random_tensor({8, 8, 3, 3}, 103), w3 = random_tensor({5, 8, 1, 1}, 104);
  struct Built {
    std::unique_ptr<ir::Graph> g;
    std::string conv0, conv1, conv2, conv3, h0, h1, out, y;
  };
  auto make = [&](bool fake_quant) {
    GraphBuilder b;
    Built r;
    auto fq = [&](ir::Value* v, float s, const std::string& hint) {
      if (!fake_quant) return v;
      Tensor st(DataType::kFloat32, {}), zt(DataType::kInt8, {});
      st.data<float>()[0] = s;
      zt.data<int8_t>()[0] = 0;
      ir::Value* sv = b.constant(hint + "_s", st);
      ir::Value* zv = b.constant(hint + "_z", zt);
      return b.node("DequantizeLinear", {b.node("QuantizeLinear", {v, sv, zv}), sv, zv});
    };
    auto weight = [&](const std::string& name, const Tensor& w) {
      return b.constant(name, fake_quant ? fake_quant_weights(w, 0) : w);
    };
    const ir::AttributeMap pads{{"pads", ints({1, 1, 1, 1})}};
    ir::Value* x = b.input("x", {1, 8, 10, 12});
    ir::Value* c0 = b.node("Conv", {fq(x, sx, "x"), weight("w0", w0)}, pads);
    ir::Value* h0 = b.node("Relu", {c0});
    ir::Value* h0q = fq(h0, sh0, "h0");
    ir::Value* c1 = b.node("Conv", {h0q, weight("w1", w1)}, pads);
    ir::Value* h1 = b.node("Relu", {c1});
    ir::Value* c2 = b.node("Conv", {fq(h1, sh1, "h1"), weight("w2", w2)}, pads);
    ir::Value* out = b.node("Relu", {b.node("Add", {c2, h0q})});
    r.conv0 = c0->producer()->name(), r.conv1 = c1->producer()->name();
    r.conv2 = c2->producer()->name(), r.h0 = h0->name(), r.h1 = h1->name(), r.out = out->name();
    if (tail) {
      ir::Value* y = b.node("Conv", {fq(out, sout, "out"), weight("w3", w3)});
      r.conv3 = y->producer()->name();
      r.y = y->name();
      b.output(y);
    } else {
      r.y = out->name();
      b.output(out);
    }
    r.g = b.finish();
    return r;
  };
  Built plain = make(false), fq = make(true);
  const runtime::Backend* be = runtime::find_backend(BackendKind::kCpu);
  runtime::Plan plan;
  plan.graph = plain.g->clone();
  plan.int8_scales = {{"x", sx}, {plain.h0, sh0}, {plain.h1, sh1}, {plain.out, sout}};
  BuilderConfig config;
  config.int8 = true;
  for (const std::string& n : {plain.conv0, plain.conv1, plain.conv2, plain.conv3})
    if (!n.empty()) config.layer_precisions[n] = Precision::kInt8;
  ASSERT_TRUE(be->compile(plan, config).ok());
  EXPECT_EQ(count_kernel(plan, "onednn.conv.s8"), tail ? 4 : 3);
  EXPECT_EQ(plan.metadata["cpu.int8_chained"], tail ? "3" : "2");
  auto ctx = be->create_context(plan, {});
  ASSERT_TRUE(ctx.ok()) << ctx.status().to_string();
  TensorMap feeds{{"x", random_tensor({1, 8, 10, 12}, 105)}}, outs;
  ASSERT_TRUE(ctx.value()->infer(feeds, outs).ok());
  auto prof = ctx.value()->profile(feeds);
  ASSERT_TRUE(prof.ok());
  int quantize_steps = 0;
  for (const auto& p : prof.value()) quantize_steps += p.op_type == "Quantize";
  EXPECT_EQ(quantize_steps, 1) << "only the network input is quantized by a separate step";
  const Tensor ref = run_reference(*fq.g, feeds, fq.y);
  const Tensor fp32 = run_reference(*plain.g, feeds, plain.y);
  expect_int8_close({max_diff(outs.at(plain.y), ref), max_diff(fp32, ref), max_abs(ref) / 127.0});
}

TEST(CpuInt8, ResidualBlockInInt8IntoF32Output) { check_int8_residual_block(false); }
TEST(CpuInt8, ResidualBlockInInt8IntoInt8Output) { check_int8_residual_block(true); }

// The quantizing step rounds half to even and saturates, as ONNX QuantizeLinear and TensorRT
// do: x / s = 0.5, 1.5, 2.5, -0.5, -2.5, 200 become 0, 2, 2, 0, -2, 127. With an identity weight
// (per-channel scale 1/127, q = 127) the INT8 matmul returns q * s.
TEST(CpuInt8, QuantizeRoundsHalfToEvenAndSaturates) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {1, 6});
  Tensor eye(DataType::kFloat32, {6, 6});
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j) eye.data<float>()[i * 6 + j] = i == j ? 1.0f : 0.0f;
  ir::Value* y = b.node("MatMul", {x, b.constant("eye", eye)});
  b.output(y);
  auto g = b.finish();
  auto run = build_int8(*g, y->producer()->name(), {{"x", 0.5f}});
  ASSERT_TRUE(run);
  Tensor in(DataType::kFloat32, {1, 6});
  const std::vector<float> v{0.25f, 0.75f, 1.25f, -0.25f, -1.25f, 100.0f};
  std::copy(v.begin(), v.end(), in.data<float>());
  TensorMap outs;
  ASSERT_TRUE(run->ctx->infer({{"x", in}}, outs).ok());
  const std::vector<float> want{0.0f, 1.0f, 1.0f, 0.0f, -1.0f, 63.5f};
  for (int i = 0; i < 6; ++i)
    EXPECT_NEAR(outs.at(y->name()).data<float>()[i], want[i], 1e-4) << "element " << i;
}

// No scale for the input: the layer stays FP32 (and matches the reference exactly).
TEST(CpuInt8, LayerWithoutInputScaleStaysFp32) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {1, 8, 6, 6});
  ir::Value* c = b.node("Conv", {x, b.constant("w", random_tensor({8, 8, 1, 1}, 51))});
  b.output(c);
  auto g = b.finish();
  auto run = build_int8(*g, c->producer()->name(), {});
  ASSERT_TRUE(run);
  EXPECT_EQ(count_kernel(run->plan, "onednn.conv.s8"), 0);
  EXPECT_EQ(count_kernel(run->plan, "onednn.conv"), 1);
  EXPECT_EQ(run->plan.layers.begin()->second.precision, Precision::kFp32);
}

// --layer-precisions NAME:fp32 keeps a layer FP32 although its input has a scale.
TEST(CpuInt8, LayerPrecisionOverrideKeepsFp32) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {3, 16});
  ir::Value* y = b.node("MatMul", {x, b.constant("w", random_tensor({16, 4}, 61))});
  b.output(y);
  auto g = b.finish();
  auto run = build_int8(*g, y->producer()->name(), {{"x", 0.01f}}, Precision::kFp32);
  ASSERT_TRUE(run);
  EXPECT_EQ(count_kernel(run->plan, "onednn.matmul.s8"), 0);
  EXPECT_EQ(count_kernel(run->plan, "onednn.matmul"), 1);
}

// The int8 weights and scales are in the plan's graph and survive save -> load -> save byte for
// byte; the loaded plan computes the same outputs.
TEST(CpuInt8, EngineRoundTripsWithInt8WeightsAndScales) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {1, 8, 9, 9});
  ir::Value* c = b.node("Relu", {b.node("Conv", {x, b.constant("w", random_tensor({12, 8, 3, 3}, 71)),
                                                 b.constant("b", random_tensor({12}, 72))})});
  b.output(c);
  auto g = b.finish();
  auto run = build_int8(*g, c->producer()->inputs()[0]->producer()->name(), {{"x", 0.008f}});
  ASSERT_TRUE(run);
  bool int8_weights = false;
  for (const auto& n : run->plan.graph->nodes())
    if (n->op_type() == "Int8Conv") {
      int8_weights = n->input(1)->constant().dtype() == DataType::kInt8;
      EXPECT_EQ(n->attr_floats("w_scales", {}).value().size(), 12u);
      EXPECT_FLOAT_EQ(n->attr_float("x_scale", 0).value(), 0.008f);
    }
  EXPECT_TRUE(int8_weights);
  run->plan.target = "";  // not needed for the byte comparison
  auto bytes = engine::serialize_plan(run->plan);
  ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
  auto loaded = engine::deserialize_plan(bytes.value(), "memory");
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  auto again = engine::serialize_plan(loaded.value());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(bytes.value(), again.value());
  EXPECT_EQ(loaded->int8_scales.at("x"), 0.008f);

  const runtime::Backend* be = runtime::find_backend(BackendKind::kCpu);
  auto ctx = be->create_context(loaded.value(), {});
  ASSERT_TRUE(ctx.ok()) << ctx.status().to_string();
  TensorMap feeds{{"x", random_tensor({1, 8, 9, 9}, 73)}}, a, bb;
  ASSERT_TRUE(run->ctx->infer(feeds, a).ok());
  ASSERT_TRUE(ctx.value()->infer(feeds, bb).ok());
  EXPECT_EQ(max_diff(a.at(c->name()), bb.at(c->name())), 0.0);
}

// A bad scale in an engine file is refused with the node's name.
TEST(CpuInt8, BadScaleInPlanNamesTheNode) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {2, 16});
  ir::Value* y = b.node("MatMul", {x, b.constant("w", random_tensor({16, 4}, 81))});
  b.output(y);
  auto g = b.finish();
  auto run = build_int8(*g, y->producer()->name(), {{"x", 0.01f}});
  ASSERT_TRUE(run);
  for (const auto& n : run->plan.graph->nodes())
    if (n->op_type() == "Int8MatMul") n->set_attribute("x_scale", ir::Attribute::from_float(-1.0f));
  const runtime::Backend* be = runtime::find_backend(BackendKind::kCpu);
  auto ctx = be->create_context(run->plan, {});
  ASSERT_FALSE(ctx.ok());
  EXPECT_NE(ctx.status().message().find(y->producer()->name()), std::string::npos)
      << ctx.status().to_string();
  EXPECT_NE(ctx.status().message().find("x_scale must be finite and > 0"), std::string::npos)
      << ctx.status().to_string();
}

}  // namespace
}  // namespace actrt::cpu_test
