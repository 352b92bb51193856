// The Winograd F(4x4, 3x3) convolution path (winograd.h) against the reference executor:
// FP32 engines whose 3x3 convolutions are forced onto Winograd (as the builder's timing would
// choose them), with partial 4x4 tiles, channel counts that are no multiple of anything, bias,
// residual and ReLU, at act-base's own layer sizes too; then a timed build, which must still
// match whichever path it picks. Skipped without a GPU.
#include <gtest/gtest.h>

#include <cstdio>

#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/winograd.h"
#include "cuda_test_util.h"

namespace actrt::cuda_test {
namespace {

struct WinogradCase {
  const char* name;
  int64_t n, c, h, w, k;
  bool residual, relu;
};
void PrintTo(const WinogradCase& c, std::ostream* os) { *os << c.name; }

std::unique_ptr<ir::Graph> conv_graph(const WinogradCase& p) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {p.n, p.c, p.h, p.w});
  ir::Value* w = b.constant("w", random_tensor({p.k, p.c, 3, 3}, 11, -0.15f, 0.15f));
  ir::Value* bias = b.constant("b", random_tensor({p.k}, 12));
  ir::Value* y = b.node("Conv", {x, w, bias}, {{"pads", ints({1, 1, 1, 1})}});
  if (p.residual) {
    ir::Value* z = b.input("z", {p.n, p.k, p.h, p.w});
    y = b.node("Add", {y, z});
  }
  if (p.relu) y = b.node("Relu", {y});
  b.output(y);
  return b.finish();
}

// Builds `g` in FP32 without timing, then puts every convolution Winograd can run on it.
// Returns how many that was through `forced`.
std::unique_ptr<CudaRun> build_forced_winograd(const ir::Graph& g, int* forced) {
  BuilderConfig config;
  config.backend = BackendKind::kCuda;
  config.deterministic = true;
  auto plan = engine::build_plan(g, config);
  EXPECT_TRUE(plan.ok()) << plan.status().to_string();
  if (!plan.ok()) return nullptr;
  auto run = std::make_unique<CudaRun>();
  run->plan = std::move(plan).value();
  *forced = 0;
  for (const auto& n : run->plan->graph->nodes()) {
    if (n->op_type() != cuda::kCudaConv || !cuda::winograd_refusal(*n, Precision::kFp32).empty())
      continue;
    n->set_attribute("tactic", ir::Attribute::from_string(cuda::winograd_tactic(0)));
    ++*forced;
  }
  auto transformed = cuda::transform_winograd_weights(*run->plan->graph);
  EXPECT_TRUE(transformed.ok()) << transformed.status().to_string();
  if (!transformed.ok()) return nullptr;
  EXPECT_EQ(*transformed, *forced);
  auto ctx = runtime::find_backend(BackendKind::kCuda)->create_context(*run->plan, {});
  EXPECT_TRUE(ctx.ok()) << ctx.status().to_string();
  if (!ctx.ok()) return nullptr;
  run->ctx = std::move(ctx).value();
  return run;
}

// Largest |a - b| over the largest |b|: the bound the FP32 engine's 1e-4 budget is about.
double max_relative(const Tensor& a, const Tensor& b) {
  double diff = 0, mag = 0;
  for (int64_t i = 0; i < b.numel(); ++i) {
    const double x = a.element_as_double(i), r = b.element_as_double(i);
    if (std::isnan(x)) return INFINITY;
    diff = std::max(diff, std::abs(x - r));
    mag = std::max(mag, std::abs(r));
  }
  return mag > 0 ? diff / mag : diff;
}

void expect_matches(const ir::Graph& g, CudaRun& run, const char* what) {
  for (uint32_t seed : {21u, 22u}) {  // twice: the second run replays the captured graph
    runtime::TensorMap feeds;
    uint32_t s = seed;
    for (const ir::Value* v : g.inputs()) feeds[v->name()] = random_tensor(v->shape(), s++);
    auto ref = reference::Executor(g).run(feeds);
    ASSERT_TRUE(ref.ok()) << ref.status().to_string();
    runtime::TensorMap outs;
    Status st = run.ctx->infer(feeds, outs);
    ASSERT_TRUE(st.ok()) << st.to_string();
    for (const auto& [name, t] : ref.value()) {
      ASSERT_TRUE(outs.count(name)) << name;
      ASSERT_EQ(outs[name].shape(), t.shape());
      // F(4x4, 3x3) rounds a few times more than a direct FP32 convolution: RMS ~1e-6, the
      // worst element 1.5e-5 of the largest with act-base's 512 x 9 products per output. A
      // wrong transform or tile edge gives O(1).
      EXPECT_LE(max_relative(outs[name], t), 5e-5) << what << " seed " << seed;
      EXPECT_LE(relative_error(outs[name], t), 1e-5) << what << " seed " << seed;
    }
  }
}

class CudaWinograd : public ::testing::TestWithParam<WinogradCase> {};

TEST_P(CudaWinograd, ForcedWinogradMatchesReference) {
  SKIP_WITHOUT_CUDA();
  const WinogradCase& p = GetParam();
  auto g = conv_graph(p);
  int forced = 0;
  auto run = build_forced_winograd(*g, &forced);
  ASSERT_TRUE(run);
  EXPECT_EQ(forced, 1);
  expect_matches(*g, *run, p.name);
}

INSTANTIATE_TEST_SUITE_P(
    Geometries, CudaWinograd,
    ::testing::Values(WinogradCase{"tiny_exact_tiles", 1, 4, 8, 8, 4, false, false},
                      WinogradCase{"partial_tiles_odd_channels", 2, 5, 13, 7, 3, false, true},
                      WinogradCase{"residual_relu_15x20", 3, 24, 15, 20, 40, true, true},
                      WinogradCase{"single_pixel", 1, 3, 1, 1, 2, false, false},
                      WinogradCase{"act_base_layer1", 3, 64, 120, 160, 64, true, true},
                      WinogradCase{"act_base_layer4", 3, 512, 15, 20, 512, false, true}),
    [](const auto& info) { return std::string(info.param.name); });

// A ResNet basic block with a timed FP32 build: whichever path wins each convolution, the
// engine matches the reference; the choice and the Winograd count are printed.
TEST(CudaWinogradBuild, TimedFp32BuildMatchesReference) {
  SKIP_WITHOUT_CUDA();
  GraphBuilder b;
  ir::Value* x = b.input("x", {3, 64, 60, 80});
  ir::Value* w1 = b.constant("w1", random_tensor({64, 64, 3, 3}, 31, -0.06f, 0.06f));
  ir::Value* w2 = b.constant("w2", random_tensor({64, 64, 3, 3}, 32, -0.06f, 0.06f));
  ir::Value* c1 = b.node("Relu", {b.node("Conv", {x, w1}, {{"pads", ints({1, 1, 1, 1})}})});
  ir::Value* c2 = b.node("Conv", {c1, w2}, {{"pads", ints({1, 1, 1, 1})}});
  b.output(b.node("Relu", {b.node("Add", {c2, x})}));
  auto g = b.finish();
  auto run = build_cuda(*g, Mode::kFp32, /*deterministic=*/false);
  ASSERT_TRUE(run);
  const int wino = count_kernel(*run->plan, "actrt.winograd_f4x4");
  std::printf("[winograd] timed build: %d of 2 convolutions on Winograd (metadata %s)\n", wino,
              run->plan->metadata["cuda.winograd_conv"].c_str());
  EXPECT_EQ(run->plan->metadata["cuda.winograd_conv"], std::to_string(wino));
  expect_matches(*g, *run, "timed build");
}

}  // namespace
}  // namespace actrt::cuda_test
