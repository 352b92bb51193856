// BF16 matrix products (bf16_lowering.h) against the reference executor: Gemm with bias and
// ReLU, a plain MatMul, and a product of two activations, in FP32 and FP16 engines. The error
// must be within BF16's budget and above FP32 rounding (so the products really ran in BF16).
// Skipped without a GPU.
#include <gtest/gtest.h>

#include "backends/cuda/cuda_ops.h"
#include "cuda_test_util.h"

namespace actrt::cuda_test {
namespace {

// x [6, 40] -> Gemm(w^T, bias) -> Relu -> MatMul(w2) -> y1; and y2 = xa [2, 6, 40] @ xb [2, 40, 9].
std::unique_ptr<ir::Graph> products() {
  GraphBuilder b;
  ir::Value* x = b.input("x", {6, 40});
  ir::Value* h = b.node("Gemm", {x, b.constant("w", random_tensor({48, 40}, 1, -0.3f, 0.3f)),
                                 b.constant("b", random_tensor({48}, 2))},
                        {{"transB", int_attr(1)}});
  h = b.node("Relu", {h});
  b.output(b.node("MatMul", {h, b.constant("w2", random_tensor({48, 24}, 3, -0.3f, 0.3f))}));
  ir::Value* xa = b.input("xa", {2, 6, 40});
  ir::Value* xb = b.input("xb", {2, 40, 9});
  b.output(b.node("MatMul", {xa, xb}));
  return b.finish();
}

class CudaBf16MatMul : public ::testing::TestWithParam<Mode> {};

TEST_P(CudaBf16MatMul, MatchesReferenceWithinBf16Rounding) {
  SKIP_WITHOUT_CUDA();
  auto g = products();
  auto run = expect_matches_reference(*g, GetParam());
  ASSERT_TRUE(run);
  const runtime::Plan& plan = *run->plan;
  int bf16_layers = 0;
  for (const auto& [name, choice] : plan.layers) bf16_layers += choice.precision == Precision::kBf16;
  EXPECT_EQ(bf16_layers, 3);
  EXPECT_EQ(plan.metadata.at("cuda.bf16_matmul"), "3");
  // BF16 really happened: further from the reference than FP32 arithmetic gets.
  runtime::TensorMap feeds;
  uint32_t seed = 7;
  for (const ir::Value* v : g->inputs()) feeds[v->name()] = random_tensor(v->shape(), seed++);
  auto ref = reference::Executor(*g).run(feeds);
  ASSERT_TRUE(ref.ok());
  runtime::TensorMap outs;
  ASSERT_TRUE(run->ctx->infer(feeds, outs).ok());
  for (const auto& [name, t] : ref.value())
    EXPECT_GT(relative_error(outs[name], t), 1e-4) << name << ": no BF16 rounding visible";
}

INSTANTIATE_TEST_SUITE_P(Engines, CudaBf16MatMul, ::testing::Values(Mode::kBf16, Mode::kFp16Bf16),
                         [](const auto& info) {
                           return info.param == Mode::kBf16 ? "fp32_engine" : "fp16_engine";
                         });

// Forcing one product to BF16 by name leaves the others as they were.
TEST(CudaBf16MatMul, LayerPrecisionPicksOneProduct) {
  SKIP_WITHOUT_CUDA();
  auto g = products();
  BuilderConfig config;
  config.backend = BackendKind::kCuda;
  config.deterministic = true;
  auto fp32 = engine::build_plan(*g, config);
  ASSERT_TRUE(fp32.ok()) << fp32.status().to_string();
  std::string first;
  for (const auto& n : (*fp32)->graph->nodes())
    if (n->op_type() == cuda::kCudaMatMul && first.empty()) first = n->name();
  ASSERT_FALSE(first.empty());
  config.layer_precisions[first] = Precision::kBf16;
  auto one = engine::build_plan(*g, config);
  ASSERT_TRUE(one.ok()) << one.status().to_string();
  int bf16_layers = 0;
  for (const auto& [name, choice] : (*one)->layers) bf16_layers += choice.precision == Precision::kBf16;
  EXPECT_EQ(bf16_layers, 1);
  EXPECT_EQ((*one)->layers.at(first).precision, Precision::kBf16);
  // A name that is no product fails the build and says why.
  config.layer_precisions["not_a_product"] = Precision::kBf16;
  auto bad = engine::build_plan(*g, config);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'not_a_product'"), std::string::npos)
      << bad.status().message();
}

}  // namespace
}  // namespace actrt::cuda_test
