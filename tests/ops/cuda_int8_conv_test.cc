// INT8 CudaConv through cuDNN's graph API (conv_graph.h) on ACT's backbone geometries: int8
// activations and KRSC weights, int32 accumulation, y = act(acc * scale[m] + bias[m] +
// z * z_scale[m]) written as int8 (chained to the next INT8 convolution) or FP16. Checked
// against the same arithmetic on the host (int8 outputs within one step of rounding, FP16
// within 1e-3 relative); the best tactic's time is printed next to the FP16 convolution of the
// same geometry, which is how the builder decides (conv_choice.h). Skipped without a GPU.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "actrt/log.h"
#include "backends/cuda/context.h"
#include "backends/cuda/conv.h"
#include "backends/cuda/conv_graph.h"
#include "backends/cuda/cuda_ops.h"
#include "core/half.h"
#include "cuda_test_util.h"
#include "fake_quant.h"
#include "runtime/plan.h"
#include "int8_residual_block.h"
#include "qdq_test_graph.h"
#include "quant/weight_scales.h"

namespace actrt::cuda_test {
namespace {

using cuda::build_cudnn_handle;
using cuda::ConvOperands;
using cuda::CudnnGraphConv;

struct Geometry {
  const char* name;
  int64_t n, h, w, c, m, k, stride, pad;
  bool residual, relu;
  DataType out;  // kInt8 (chained) or kFloat16
};

int64_t out_dim(int64_t in, int64_t k, int64_t stride, int64_t pad) {
  return (in + 2 * pad - k) / stride + 1;
}

// A device copy of a host tensor, freed with the object.
struct DeviceCopy {
  void* ptr = nullptr;
  explicit DeviceCopy(const Tensor& t) {
    EXPECT_EQ(cudaMalloc(&ptr, std::max<size_t>(t.nbytes(), 16)), cudaSuccess);
    EXPECT_EQ(cudaMemcpy(ptr, t.raw_data(), t.nbytes(), cudaMemcpyHostToDevice), cudaSuccess);
  }
  ~DeviceCopy() { cudaFree(ptr); }
};

Tensor random_int8(const Shape& s, uint32_t seed, int lo, int hi) {
  Tensor t(DataType::kInt8, s);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  for (auto& v : t.span<int8_t>()) v = static_cast<int8_t>(d(rng));
  return t;
}

Tensor random_floats(int64_t n, uint32_t seed, float lo, float hi) {
  Tensor t(DataType::kFloat32, {n});
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  for (auto& v : t.span<float>()) v = d(rng);
  return t;
}

// The CudaConv node of `g` for geometry `p` in `dtype` (int8: with scale inputs), NHWC / KRSC.
ir::Node* conv_node(ir::Graph& g, const Geometry& p, DataType dtype, const Tensor& w,
                    const Tensor& b, const Tensor& s, const Tensor& zs) {
  const int64_t oh = out_dim(p.h, p.k, p.stride, p.pad), ow = out_dim(p.w, p.k, p.stride, p.pad);
  auto act = [&](const char* name, Shape shape, DataType t) {
    ir::Value* v = g.add_value(name);
    v->set_dtype(t);
    v->set_shape(std::move(shape));
    return v;
  };
  const bool int8 = dtype == DataType::kInt8;
  ir::Value* x = act("x", {p.n, p.h, p.w, p.c}, dtype);
  ir::Value* y = act("y", {p.n, oh, ow, p.m}, int8 ? p.out : dtype);
  ir::Value* z = p.residual ? act("z", {p.n, oh, ow, p.m}, dtype) : nullptr;
  std::vector<ir::Value*> in{x, g.add_constant("w", w), g.add_constant("b", b), z};
  if (int8) {
    in.push_back(g.add_constant("s", s));
    in.push_back(p.residual ? g.add_constant("zs", zs) : nullptr);
  }
  ir::Node* n = g.add_node("conv", "CudaConv", in, {y}, runtime::kFusedDomain);
  n->set_attribute("strides", ir::Attribute::from_ints({p.stride, p.stride}));
  n->set_attribute("pads", ir::Attribute::from_ints({p.pad, p.pad, p.pad, p.pad}));
  n->set_attribute("relu", ir::Attribute::from_int(p.relu ? 1 : 0));
  return n;
}

// The host arithmetic of an INT8 CudaConv, before the output conversion.
std::vector<float> host_int8_conv(const Geometry& p, const Tensor& x, const Tensor& w,
                                  const Tensor& b, const Tensor& z, const Tensor& s,
                                  const Tensor& zs) {
  const int64_t oh = out_dim(p.h, p.k, p.stride, p.pad), ow = out_dim(p.w, p.k, p.stride, p.pad);
  std::vector<float> y(static_cast<size_t>(p.n * oh * ow * p.m));
  const int8_t* xp = x.data<int8_t>();
  const int8_t* wp = w.data<int8_t>();
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j)
        for (int64_t m = 0; m < p.m; ++m) {
          int32_t acc = 0;
          for (int64_t r = 0; r < p.k; ++r)
            for (int64_t q = 0; q < p.k; ++q) {
              const int64_t yi = i * p.stride - p.pad + r, xj = j * p.stride - p.pad + q;
              if (yi < 0 || yi >= p.h || xj < 0 || xj >= p.w) continue;
              const int8_t* xr = xp + ((n * p.h + yi) * p.w + xj) * p.c;
              const int8_t* wr = wp + ((m * p.k + r) * p.k + q) * p.c;
              for (int64_t c = 0; c < p.c; ++c) acc += int32_t(xr[c]) * int32_t(wr[c]);
            }
          const int64_t o = ((n * oh + i) * ow + j) * p.m + m;
          float v = float(acc) * s.data<float>()[m] + b.data<float>()[m];
          if (p.residual) v += float(z.data<int8_t>()[o]) * zs.data<float>()[m];
          if (p.relu) v = std::max(v, 0.0f);
          y[static_cast<size_t>(o)] = v;
        }
  return y;
}

double best_fp16_ms(cudnnHandle_t h, const Geometry& p) {
  ir::Graph g;
  Tensor w(DataType::kFloat16, {p.m, p.k, p.k, p.c});
  for (auto& v : w.span<uint16_t>()) v = float_to_fp16(0.01f);
  Tensor b(DataType::kFloat16, {p.m});
  ir::Node* n = conv_node(g, p, DataType::kFloat16, w, b, Tensor(), Tensor());
  CudnnGraphConv conv;
  double ms = -1;
  if (!conv.init(h, *n, Precision::kFp16).ok()) return -1;
  auto t = conv.choose(false, 8, size_t{256} << 20, &ms);
  return t.ok() ? ms : -1;
}

class CudaInt8Conv : public ::testing::TestWithParam<Geometry> {};

TEST_P(CudaInt8Conv, MatchesHostArithmeticAndIsTimed) {
  SKIP_WITHOUT_CUDA();
  const Geometry p = GetParam();
  auto handle = build_cudnn_handle();
  ASSERT_TRUE(handle.ok()) << handle.status().to_string();
  cudnnHandle_t h = *handle;
  const int64_t oh = out_dim(p.h, p.k, p.stride, p.pad), ow = out_dim(p.w, p.k, p.stride, p.pad);
  const Tensor x = random_int8({p.n, p.h, p.w, p.c}, 1, -127, 127);
  const Tensor w = random_int8({p.m, p.k, p.k, p.c}, 2, -127, 127);
  const Tensor z = random_int8({p.n, oh, ow, p.m}, 3, -127, 127);
  // Scales that keep outputs mostly inside int8 for the sum of k*k*c products.
  const float unit = 1.0f / (127.0f * 127.0f * std::sqrt(float(p.k * p.k * p.c)));
  const Tensor s = random_floats(p.m, 4, 20 * unit, 60 * unit);
  const Tensor b = random_floats(p.m, 5, -20, 20);
  const Tensor zs = random_floats(p.m, 6, 0.2f, 0.6f);

  ir::Graph g;
  ir::Node* n = conv_node(g, p, DataType::kInt8, w, b, s, zs);
  if (std::getenv("ACTRT_TEST_VERBOSE")) set_log_level(LogLevel::kVerbose);
  CudnnGraphConv conv;
  Status st = conv.init(h, *n, Precision::kInt8);
  ASSERT_TRUE(st.ok()) << st.to_string();
  double ms = 0;
  auto listed = conv.tactics(8);
  ASSERT_TRUE(listed.ok()) << listed.status().to_string();
  std::string names;
  for (const auto& t : *listed) names += " " + t.text + (t.runtime_compiled ? "(rtc)" : "");
  std::printf("[int8 conv] %s candidates:%s\n", p.name, names.c_str());
  auto tactic = conv.choose(false, 8, size_t{256} << 20, &ms);
  ASSERT_TRUE(tactic.ok()) << tactic.status().to_string();
  const double fp16_ms = best_fp16_ms(h, p);
  std::printf("[int8 conv] %s: int8 %.4f ms (tactic %s), fp16 %.4f ms\n", p.name, ms,
              tactic->c_str(), fp16_ms);

  DeviceCopy dx(x), dw(w), db(b), dz(z), ds(s), dzs(zs);
  const Shape ys{p.n, oh, ow, p.m};
  Tensor y(p.out, ys);
  void* dy = nullptr;
  ASSERT_EQ(cudaMalloc(&dy, y.nbytes()), cudaSuccess);
  void* ws = nullptr;
  ASSERT_EQ(cudaMalloc(&ws, std::max<size_t>(conv.workspace_bytes(), 16)), cudaSuccess);
  ConvOperands o{dx.ptr, dw.ptr, db.ptr, p.residual ? dz.ptr : nullptr, ds.ptr, dzs.ptr, dy};
  st = conv.run(o, ws);
  ASSERT_TRUE(st.ok()) << st.to_string();
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  ASSERT_EQ(cudaMemcpy(y.raw_data(), dy, y.nbytes(), cudaMemcpyDeviceToHost), cudaSuccess);
  cudaFree(dy);
  cudaFree(ws);
  cudnnDestroy(h);

  const std::vector<float> ref = host_int8_conv(p, x, w, b, z, s, zs);
  int64_t bad = 0, saturated = 0;
  double num = 0, den = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    if (p.out == DataType::kInt8) {
      const float want = std::clamp(std::nearbyint(ref[i]), -128.0f, 127.0f);
      saturated += std::fabs(ref[i]) > 127;
      const float got = float(y.data<int8_t>()[i]);
      if (std::fabs(got - want) > 1) ++bad;
    } else {
      const double got = fp16_to_float(y.data<uint16_t>()[i]);
      num += (got - ref[i]) * (got - ref[i]);
      den += double(ref[i]) * ref[i];
    }
  }
  if (p.out == DataType::kInt8) {
    EXPECT_EQ(bad, 0) << bad << " of " << ref.size() << " int8 outputs off by more than one";
    EXPECT_LT(saturated, int64_t(ref.size() / 10)) << "test scales saturate too much";
  } else {
    EXPECT_LE(std::sqrt(num / den), 1e-3);
  }
}

// act-base's backbone at batch 3 (the three cameras): ResNet18 layer1..4 and the input projection.
INSTANTIATE_TEST_SUITE_P(
    ActBase, CudaInt8Conv,
    ::testing::Values(
        Geometry{"layer1_conv1", 3, 120, 160, 64, 64, 3, 1, 1, false, true, DataType::kInt8},
        Geometry{"layer1_conv2_residual", 3, 120, 160, 64, 64, 3, 1, 1, true, true, DataType::kInt8},
        Geometry{"layer2_conv1_stride2", 3, 120, 160, 64, 128, 3, 2, 1, false, true, DataType::kInt8},
        Geometry{"layer2_downsample_1x1", 3, 120, 160, 64, 128, 1, 2, 0, false, false, DataType::kInt8},
        Geometry{"layer3_conv2_residual", 3, 30, 40, 256, 256, 3, 1, 1, true, true, DataType::kInt8},
        Geometry{"layer4_conv2_residual", 3, 15, 20, 512, 512, 3, 1, 1, true, true, DataType::kInt8},
        Geometry{"input_proj_fp16_out", 3, 15, 20, 512, 512, 1, 1, 0, false, false, DataType::kFloat16},
        Geometry{"odd_small_fp16_out", 2, 9, 11, 32, 48, 3, 1, 1, true, true, DataType::kFloat16}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- an INT8 engine end to end against its fake-quant reference ---------------------------

// The graph with every convolution input quantize-dequantized with its scale (read by the
// convolution and, for the residual, by the Add) and the weights on their per-channel grid.
std::unique_ptr<ir::Graph> fake_quant_graph(const ir::Graph& g, const std::vector<std::string>& tensors,
                                            const std::map<std::string, float>& scales) {
  auto f = g.clone();
  std::vector<ir::Node*> nodes;
  for (const auto& n : f->nodes()) nodes.push_back(n.get());
  for (const std::string& name : tensors)
    fake_quantize_tensor(*f, nodes, name, scales.at(name), {"Conv", "Add"});
  for (ir::Node* n : nodes) {
    if (n->op_type() != "Conv") continue;
    const Tensor& w = n->input(1)->constant();
    auto ws = quant::per_channel_weight_scales(w, 0);
    auto wq = quant::quantize_per_channel(w, 0, ws.value());
    Tensor fq = w.clone();
    const int64_t per = w.numel() / w.shape()[0];
    for (int64_t i = 0; i < w.numel(); ++i)
      fq.data<float>()[i] = wq->data<int8_t>()[i] * ws.value()[size_t(i / per)];
    n->inputs()[1] = f->add_constant("wfq", std::move(fq));
  }
  EXPECT_TRUE(f->topological_sort().ok());
  return f;
}

class CudaInt8Engine : public ::testing::TestWithParam<bool> {};  // param: FP16 elsewhere

TEST_P(CudaInt8Engine, ResidualBlockMatchesFakeQuantReference) {
  SKIP_WITHOUT_CUDA();
  ResidualBlock blk = residual_block();
  const ir::Graph& g = *blk.g;
  const runtime::TensorMap feeds = int8_block_feeds(g);
  const std::map<std::string, float> scales = scales_on(g, feeds);
  auto compiled = compile_int8_block(g, feeds, GetParam(), false);
  ASSERT_TRUE(compiled.ok()) << compiled.status().to_string();
  runtime::Plan& plan = *compiled;
  const runtime::Backend* be = runtime::find_backend(BackendKind::kCuda);
  Status st;
  EXPECT_EQ(plan.metadata["cuda.int8_conv"], "3");
  EXPECT_EQ(plan.metadata["cuda.int8_chained"], "2");
  EXPECT_EQ(plan.metadata["cuda.int8_quantize"], "1");
  auto ctx = be->create_context(plan, {});
  ASSERT_TRUE(ctx.ok()) << ctx.status().to_string();
  runtime::TensorMap outs;
  for (int rep = 0; rep < 3; ++rep) {  // eager, capture, replay
    st = (*ctx)->infer(feeds, outs);
    ASSERT_TRUE(st.ok()) << st.to_string();
  }
  auto fq = reference::Executor(*fake_quant_graph(g, blk.conv_inputs, scales)).run(feeds);
  auto fp = reference::Executor(g).run(feeds);
  ASSERT_TRUE(fq.ok() && fp.ok());
  const std::string out = g.outputs()[0]->name();
  const Tensor& y = outs[out];
  const double to_fake = relative_error(y, fq->at(out));
  const double to_fp32 = relative_error(y, fp->at(out));
  const double fake_to_fp32 = relative_error(fq->at(out), fp->at(out));
  std::string tactics;  // which cuDNN engines the timing picked (differs from run to run)
  for (const auto& n : plan.graph->nodes())
    if (n->op_type() == cuda::kCudaConv) {
      tactics += ' ';  // (appends: GCC 12 reports a false -Wrestrict for " " + string)
      tactics += std::to_string(n->input(1)->shape()[1]);
      tactics += n->input(3) ? "x3+z:" : "x:";
      tactics += n->attr_string("tactic", "").value();
    }
  std::printf("[int8 engine] fp16=%d: vs fake-quant %.5f, vs FP32 %.5f (fake-quant vs FP32 %.5f);"
              " tactics%s\n",
              int(GetParam()), to_fake, to_fp32, fake_to_fp32, tactics.c_str());
  // Intermediate int8 values may differ by one step where FP32 rounding lands on a tie.
  EXPECT_LE(to_fake, GetParam() ? 1.5e-2 : 1e-2);
  // Quantization really happened (a silent FP32 path would sit near the FP32 result). In FP16
  // builds the FP16 rounding of the input and output is of the same order as the difference,
  // so only the FP32 build can tell them apart.
  if (!GetParam()) {
    EXPECT_LT(to_fake, 0.5 * fake_to_fp32);
    EXPECT_GT(to_fp32, 0.5 * fake_to_fp32);
  }
}

INSTANTIATE_TEST_SUITE_P(Precisions, CudaInt8Engine, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "fp16" : "fp32"; });

// Whichever of cuDNN's INT8 engine configurations the timing picks for the block's three
// convolutions (it picks differently from run to run), the engine must match its fake-quant
// reference: every combination is run here (and printed).
TEST(CudaInt8EngineTactics, EveryTacticCombinationOfTheResidualBlockMatchesFakeQuant) {
  SKIP_WITHOUT_CUDA();
  ResidualBlock blk = residual_block();
  const ir::Graph& g = *blk.g;
  const runtime::TensorMap feeds = int8_block_feeds(g);
  const std::map<std::string, float> scales = scales_on(g, feeds);
  auto compiled = compile_int8_block(g, feeds, false, true);
  ASSERT_TRUE(compiled.ok()) << compiled.status().to_string();
  runtime::Plan& plan = *compiled;
  auto fq = reference::Executor(*fake_quant_graph(g, blk.conv_inputs, scales)).run(feeds);
  ASSERT_TRUE(fq.ok());
  const std::string out = g.outputs()[0]->name();
  std::vector<ir::Node*> convs;
  for (const auto& n : plan.graph->nodes())
    if (n->op_type() == cuda::kCudaConv) convs.push_back(n.get());
  ASSERT_EQ(convs.size(), 3u);
  // (The build's rerun check keeps the convolutions INT8 only if its own tactics rerun right.)
  ASSERT_EQ(plan.metadata["cuda.int8_conv"], "3") << "the build fell back to floating point";
  auto handle = build_cudnn_handle();
  ASSERT_TRUE(handle.ok()) << handle.status().to_string();
  std::vector<std::vector<std::string>> tactics(convs.size());
  for (size_t i = 0; i < convs.size(); ++i) {
    CudnnGraphConv conv;
    ASSERT_TRUE(conv.init(*handle, *convs[i], plan.layers.at(convs[i]->name()).precision).ok());
    auto listed = conv.tactics(8);
    ASSERT_TRUE(listed.ok()) << listed.status().to_string();
    for (const auto& t : *listed) tactics[i].push_back(t.text);
  }
  cudnnDestroy(*handle);
  const runtime::Backend* be = runtime::find_backend(BackendKind::kCuda);
  std::vector<size_t> pick(convs.size(), 0);
  for (;;) {
    std::string combo;
    for (size_t i = 0; i < convs.size(); ++i) {
      convs[i]->set_attribute("tactic", ir::Attribute::from_string(tactics[i][pick[i]]));
      combo += ' ';
      combo += std::to_string(convs[i]->input(1)->shape()[1]);
      combo += convs[i]->input(3) ? "x3+z:" : "x:";
      combo += tactics[i][pick[i]];
    }
    auto ctx = be->create_context(plan, {});
    ASSERT_TRUE(ctx.ok()) << ctx.status().to_string();
    for (const char* run : {"eager", "captured", "replayed"}) {
      runtime::TensorMap outs;
      Status st = (*ctx)->infer(feeds, outs);
      ASSERT_TRUE(st.ok()) << st.to_string();
      const double err = relative_error(outs[out], fq->at(out));
      std::printf("[int8 tactics]%s %s: vs fake-quant %.5f%s\n", combo.c_str(), run, err,
                  err > 1e-2 ? "  WRONG" : "");
      EXPECT_LE(err, 1e-2) << combo << " " << run;
    }
    auto* cuda_ctx = dynamic_cast<cuda::CudaContext*>(ctx->get());
    std::printf("[int8 tactics]%s replays the CUDA graph: %s (%d dependencies serialized)\n",
                combo.c_str(), cuda_ctx && cuda_ctx->replays_graph() ? "yes" : "NO",
                cuda_ctx ? cuda_ctx->serialized_dependencies() : -1);
    size_t i = 0;  // next combination (odometer)
    while (i < pick.size() && ++pick[i] == tactics[i].size()) pick[i++] = 0;
    if (i == pick.size()) break;
  }
}

// Explicit quantization: a Q/DQ model's convolution runs as an INT8 CudaConv with the model's
// scales (fold_qdq in CudaBackend::compile), and matches the reference executor running the
// Q/DQ graph itself (ONNX semantics = the fake-quant result).
TEST(CudaInt8Qdq, QdqConvRunsInt8AndMatchesTheModelsSemantics) {
  SKIP_WITHOUT_CUDA();
  auto g = test_graph::qdq_conv_graph({2, 16, 10, 12}, 32, 1.0f / 127.0f);
  auto run = expect_matches_reference(*g, Mode::kFp32, 7, 1e-3);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->plan->metadata["cuda.int8_conv"], "1");
  EXPECT_EQ(run->plan->metadata["cuda.qdq_pairs_folded"], "1");
}

}  // namespace
}  // namespace actrt::cuda_test
