// The CPU backend against the reference executor: each fused kernel on seeded random data with
// odd sizes, layout boundaries, fallbacks, input errors and targets.
#include <gtest/gtest.h>

#include "backends/cpu/isa.h"
#include "cpu_test_util.h"

namespace actrt::cpu_test {
namespace {

using runtime::TensorMap;

TEST(CpuBackend, RegisteredAndAvailable) {
  const runtime::Backend* be = runtime::find_backend(BackendKind::kCpu);
  ASSERT_NE(be, nullptr);
  EXPECT_TRUE(be->available().ok());
  EXPECT_EQ(be->current_target().rfind(std::string(cpu::cpu_arch()) + ":", 0), 0u)
      << be->current_target();
}

TEST(CpuBackend, ConvBiasResidualRelu) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {1, 5, 13, 11});
  ir::Value* r = b.input("r", {1, 7, 13, 11});
  ir::Value* w = b.constant("w", random_tensor({7, 5, 3, 3}, 1));
  ir::Value* bias = b.constant("b", random_tensor({7}, 2));
  ir::Value* c = b.node("Conv", {x, w, bias}, {{"pads", ints({1, 1, 1, 1})}});
  ir::Value* y = b.node("Relu", {b.node("Add", {c, r})});
  b.output(y);
  auto g = b.finish();
  auto run = expect_matches_reference(
      *g, {{"x", random_tensor({1, 5, 13, 11}, 3)}, {"r", random_tensor({1, 7, 13, 11}, 4)}});
  ASSERT_TRUE(run);
  EXPECT_EQ(count_kernel(run->plan, "onednn.conv"), 1);
  EXPECT_EQ(run->plan.layers.size(), 1u) << "Conv, Add and Relu fuse into one node";
}

// A ResNet-like chain: blocked layouts flow conv -> pool -> conv (+ residual) and are reordered
// to plain only for the output.
TEST(CpuBackend, ConvChainWithPoolStridesAndGroups) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {2, 3, 29, 23});
  ir::Value* c1 = b.node("Relu", {b.node("Conv", {x, b.constant("w1", random_tensor({32, 3, 7, 7}, 5)),
                                                 b.constant("b1", random_tensor({32}, 6))},
                                          {{"pads", ints({3, 3, 3, 3})}, {"strides", ints({2, 2})}})});
  ir::Value* p = b.node("MaxPool", {c1}, {{"kernel_shape", ints({3, 3})}, {"pads", ints({1, 1, 1, 1})},
                                          {"strides", ints({2, 2})}});
  ir::Value* c2 = b.node("Relu", {b.node("Conv", {p, b.constant("w2", random_tensor({32, 32, 3, 3}, 7)),
                                                 b.constant("b2", random_tensor({32}, 8))},
                                          {{"pads", ints({1, 1, 1, 1})}})});
  ir::Value* c3 = b.node("Conv", {c2, b.constant("w3", random_tensor({32, 8, 3, 3}, 9))},
                         {{"pads", ints({1, 1, 1, 1})}, {"group", int_attr(4)}});
  ir::Value* y = b.node("Relu", {b.node("Add", {p, c3})});
  ir::Value* z = b.node("Conv", {y, b.constant("w4", random_tensor({17, 32, 1, 1}, 10))},
                        {{"strides", ints({2, 2})}});
  b.output(z);
  b.output(p);
  auto g = b.finish();
  auto run = expect_matches_reference(*g, {{"x", random_tensor({2, 3, 29, 23}, 11)}});
  ASSERT_TRUE(run);
  EXPECT_EQ(count_kernel(run->plan, "onednn.conv"), 4);
  EXPECT_EQ(count_kernel(run->plan, "onednn.pool"), 1);
}

TEST(CpuBackend, MaxPoolCeilMode) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {1, 16, 10, 9});
  b.output(b.node("MaxPool", {x}, {{"kernel_shape", ints({3, 3})}, {"strides", ints({2, 2})},
                                   {"ceil_mode", int_attr(1)}}));
  auto g = b.finish();
  auto run = expect_matches_reference(*g, {{"x", random_tensor({1, 16, 10, 9}, 12)}});
  ASSERT_TRUE(run);
  EXPECT_EQ(count_kernel(run->plan, "onednn.pool"), 1);
}

TEST(CpuBackend, GemmTransBAlphaBetaRelu) {
  GraphBuilder b;
  ir::Value* a = b.input("a", {13, 37});
  ir::Value* w = b.constant("w", random_tensor({19, 37}, 13));
  ir::Value* c = b.constant("c", random_tensor({19}, 14));
  ir::Value* y = b.node("Relu", {b.node("Gemm", {a, w, c}, {{"transB", int_attr(1)},
                                                           {"alpha", float_attr(0.5f)},
                                                           {"beta", float_attr(2.0f)}})});
  b.output(y);
  auto g = b.finish();
  auto run = expect_matches_reference(*g, {{"a", random_tensor({13, 37}, 15)}});
  ASSERT_TRUE(run);
  EXPECT_EQ(count_kernel(run->plan, "onednn.matmul"), 1);
  EXPECT_EQ(run->plan.layers.size(), 1u);
}

TEST(CpuBackend, MatMul3dBiasReluAndThroughReshape) {
  GraphBuilder b;
  ir::Value* a = b.input("a", {7, 3, 33});
  ir::Value* h = b.node("Relu", {b.node("Add", {b.node("MatMul", {a, b.constant("w1", random_tensor({33, 45}, 16))}),
                                                b.constant("b1", random_tensor({45}, 17))})});
  // fuse_matmul_add's form: Reshape -> Gemm -> Reshape -> Relu.
  ir::Value* flat = b.node("Reshape", {h, b.constant("s1", Tensor::from_vector(DataType::kInt64, {2}, std::vector<int64_t>{21, 45}))});
  ir::Value* gm = b.node("Gemm", {flat, b.constant("w2", random_tensor({45, 29}, 18)),
                                  b.constant("b2", random_tensor({29}, 19))});
  ir::Value* back = b.node("Reshape", {gm, b.constant("s2", Tensor::from_vector(DataType::kInt64, {3}, std::vector<int64_t>{7, 3, 29}))});
  b.output(b.node("Relu", {back}));
  auto g = b.finish();
  auto run = expect_matches_reference(*g, {{"a", random_tensor({7, 3, 33}, 20)}});
  ASSERT_TRUE(run);
  EXPECT_EQ(count_kernel(run->plan, "onednn.matmul"), 2);
  EXPECT_EQ(count_kernel(run->plan, "cpu.eltwise"), 0) << "both ReLUs are post-ops";
}

TEST(CpuBackend, BatchedRuntimeMatMul) {
  GraphBuilder b;
  ir::Value* a = b.input("a", {3, 11, 17});
  ir::Value* c = b.input("c", {3, 17, 9});
  b.output(b.node("MatMul", {a, c}));
  auto g = b.finish();
  auto run = expect_matches_reference(*g, {{"a", random_tensor({3, 11, 17}, 21)},
                                           {"c", random_tensor({3, 17, 9}, 22)}});
  ASSERT_TRUE(run);
  EXPECT_EQ(count_kernel(run->plan, "onednn.matmul"), 1);
}

// nn.MultiheadAttention as torch 1.13 exports it: q / sqrt(d), K transposed, softmax, V.
TEST(CpuBackend, AttentionScaledTransposedK) {
  GraphBuilder b;
  ir::Value* q = b.input("q", {3, 37, 16});
  ir::Value* k = b.input("k", {3, 41, 16});
  ir::Value* v = b.input("v", {3, 41, 24});
  ir::Value* qs = b.node("Div", {q, b.constant("sqrt_d", Tensor::from_vector(DataType::kFloat32, {}, std::vector<float>{4.0f}))});
  ir::Value* kt = b.node("Transpose", {k}, {{"perm", ints({0, 2, 1})}});
  ir::Value* s = b.node("MatMul", {qs, kt});
  ir::Value* p = b.node("Softmax", {s}, {{"axis", int_attr(-1)}});
  b.output(b.node("MatMul", {p, v}));
  auto g = b.finish();
  TensorMap feeds{{"q", random_tensor({3, 37, 16}, 23, -3, 3)},
                  {"k", random_tensor({3, 41, 16}, 24, -3, 3)},
                  {"v", random_tensor({3, 41, 24}, 25)}};
  auto run = expect_matches_reference(*g, feeds);
  ASSERT_TRUE(run);
  EXPECT_EQ(count_kernel(run->plan, "cpu.attention"), 1);
  EXPECT_EQ(run->plan.layers.size(), 1u);
}

// Scale on the scores, K^T given directly (no Transpose), 4-D [batch, heads, S, D], long rows.
TEST(CpuBackend, AttentionScaleOnScores4d) {
  GraphBuilder b;
  ir::Value* q = b.input("q", {2, 2, 70, 8});
  ir::Value* kt = b.input("kt", {2, 2, 8, 130});
  ir::Value* v = b.input("v", {2, 2, 130, 8});
  ir::Value* s = b.node("Mul", {b.node("MatMul", {q, kt}),
                                b.constant("scale", Tensor::from_vector(DataType::kFloat32, {1}, std::vector<float>{0.3f}))});
  ir::Value* p = b.node("Softmax", {s}, {{"axis", int_attr(3)}});
  b.output(b.node("MatMul", {p, v}));
  auto g = b.finish();
  auto run = expect_matches_reference(*g, {{"q", random_tensor({2, 2, 70, 8}, 26, -2, 2)},
                                           {"kt", random_tensor({2, 2, 8, 130}, 27, -2, 2)},
                                           {"v", random_tensor({2, 2, 130, 8}, 28)}});
  ASSERT_TRUE(run);
  EXPECT_EQ(count_kernel(run->plan, "cpu.attention"), 1);
}

// ACT's encoder shape class (head dim 64, key count not a multiple of any vector width, more
// rows than one row block), through every kernel variant this CPU runs: the ISA is picked when
// the context is built, so ACTRT_CPU_ISA set before build_cpu() selects it. Scores span +-40 so
// that exp sees large negative arguments.
TEST(CpuBackend, AttentionEveryIsaVariant) {
  for (const char* isa : {"avx512", "avx2", "sse2"}) {
    SCOPED_TRACE(isa);
    setenv("ACTRT_CPU_ISA", isa, 1);
    GraphBuilder b;
    ir::Value* q = b.input("q", {3, 150, 64});
    ir::Value* k = b.input("k", {3, 133, 64});
    ir::Value* v = b.input("v", {3, 133, 20});
    ir::Value* kt = b.node("Transpose", {k}, {{"perm", ints({0, 2, 1})}});
    ir::Value* s = b.node("Mul", {b.node("MatMul", {q, kt}),
                                  b.constant("scale", Tensor::from_vector(DataType::kFloat32, {1}, std::vector<float>{0.125f}))});
    ir::Value* p = b.node("Softmax", {s}, {{"axis", int_attr(-1)}});
    b.output(b.node("MatMul", {p, v}));
    auto g = b.finish();
    auto run = expect_matches_reference(*g, {{"q", random_tensor({3, 150, 64}, 31, -2.5, 2.5)},
                                             {"k", random_tensor({3, 133, 64}, 32, -2.5, 2.5)},
                                             {"v", random_tensor({3, 133, 20}, 33)}});
    ASSERT_TRUE(run);
    EXPECT_EQ(count_kernel(run->plan, "cpu.attention"), 1);
  }
  unsetenv("ACTRT_CPU_ISA");
}

TEST(CpuBackend, LayerNormAndSoftmax) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {5, 7, 33});
  ir::Value* ln = b.node("LayerNormalization",
                         {x, b.constant("g", random_tensor({33}, 29)), b.constant("be", random_tensor({33}, 30))},
                         {{"axis", int_attr(-1)}, {"epsilon", float_attr(1e-5f)}});
  b.output(ln);
  b.output(b.node("Softmax", {x}, {{"axis", int_attr(2)}}));
  auto g = b.finish();
  // An offset mean checks the two-pass variance.
  auto run = expect_matches_reference(*g, {{"x", random_tensor({5, 7, 33}, 31, 9, 11)}});
  ASSERT_TRUE(run);
  EXPECT_EQ(count_kernel(run->plan, "cpu.layernorm"), 1);
  EXPECT_EQ(count_kernel(run->plan, "cpu.softmax"), 1);
}

// ImageNet-style normalization, then a same-shape add, ReLU and a scalar multiply: one loop.
TEST(CpuBackend, ElementwiseChainWithBroadcasts) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {2, 3, 5, 7});
  ir::Value* y = b.input("y", {2, 3, 5, 7});
  ir::Value* t = b.node("Sub", {x, b.constant("mean", random_tensor({1, 3, 1, 1}, 32))});
  t = b.node("Div", {t, b.constant("std", random_tensor({3, 1, 1}, 33, 0.5f, 1.0f))});
  t = b.node("Add", {y, t});
  t = b.node("Relu", {t});
  t = b.node("Sub", {b.constant("one", Tensor::from_vector(DataType::kFloat32, {}, std::vector<float>{1.0f})), t});
  t = b.node("Mul", {t, b.constant("row", random_tensor({7}, 34))});
  b.output(t);
  auto g = b.finish();
  auto run = expect_matches_reference(*g, {{"x", random_tensor({2, 3, 5, 7}, 35)},
                                           {"y", random_tensor({2, 3, 5, 7}, 36)}});
  ASSERT_TRUE(run);
  EXPECT_EQ(count_kernel(run->plan, "cpu.eltwise"), 1);
  EXPECT_EQ(run->plan.layers.size(), 1u);
}

// Data movement runs through the reference kernels and views; blocked conv output is reordered
// to plain for them.
TEST(CpuBackend, FallbacksViewsAndLayoutBoundaries) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {1, 16, 6, 5});
  ir::Value* c = b.node("Conv", {x, b.constant("w", random_tensor({16, 16, 3, 3}, 37))},
                        {{"pads", ints({1, 1, 1, 1})}});
  ir::Value* f = b.node("Reshape", {c, b.constant("s", Tensor::from_vector(DataType::kInt64, {3}, std::vector<int64_t>{1, 16, 30}))});
  ir::Value* t = b.node("Transpose", {f}, {{"perm", ints({2, 0, 1})}});
  ir::Value* cat = b.node("Concat", {t, b.constant("c", random_tensor({30, 1, 16}, 45)), t}, {{"axis", int_attr(1)}});
  b.output(b.node("Neg", {cat}));
  b.output(b.node("Transpose", {cat}, {{"perm", ints({1, 2, 0})}}));
  b.output(c);
  auto g = b.finish();
  auto run = expect_matches_reference(*g, {{"x", random_tensor({1, 16, 6, 5}, 38)}});
  ASSERT_TRUE(run);
  EXPECT_EQ(count_kernel(run->plan, "cpu.transpose"), 2);
  EXPECT_EQ(count_kernel(run->plan, "cpu.concat"), 1);
  EXPECT_EQ(count_kernel(run->plan, "reference.Neg"), 1);
  EXPECT_EQ(count_kernel(run->plan, "cpu.view"), 1);
}

// ACT's camera split (scalar index) and a vector index with a negative entry.
TEST(CpuBackend, GatherConstantIndices) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {2, 3, 5, 7});
  b.output(b.node("Gather", {x, b.constant("i", Tensor::from_vector(DataType::kInt64, {}, std::vector<int64_t>{1}))},
                  {{"axis", int_attr(1)}}));
  b.output(b.node("Gather", {x, b.constant("j", Tensor::from_vector(DataType::kInt64, {2, 2}, std::vector<int64_t>{-1, 0, 3, 3}))},
                  {{"axis", int_attr(3)}}));
  auto g = b.finish();
  auto run = expect_matches_reference(*g, {{"x", random_tensor({2, 3, 5, 7}, 46)}}, 0.0);
  ASSERT_TRUE(run);
  EXPECT_EQ(count_kernel(run->plan, "cpu.gather"), 2);
}

TEST(CpuBackend, ThreadCountsGiveTheSameResult) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {64, 96});
  ir::Value* h = b.node("Gemm", {x, b.constant("w", random_tensor({96, 80}, 39))});
  b.output(b.node("LayerNormalization", {h, b.constant("g", random_tensor({80}, 40))}, {{"axis", int_attr(-1)}}));
  auto g = b.finish();
  TensorMap feeds{{"x", random_tensor({64, 96}, 41)}};
  for (int threads : {1, 3}) {
    auto run = expect_matches_reference(*g, feeds, 1e-4, threads);
    ASSERT_TRUE(run);
    EXPECT_EQ(run->plan.metadata["threads"], std::to_string(threads));
  }
}

TEST(CpuBackend, InputErrorsNameTheInput) {
  GraphBuilder b;
  ir::Value* x = b.input("x", {2, 3});
  b.output(b.node("Relu", {x}));
  auto g = b.finish();
  auto run = build_cpu(*g);
  ASSERT_TRUE(run);
  TensorMap out;
  Status s = run->ctx->infer({{"x", random_tensor({3, 2}, 42)}}, out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  // Worded by runtime::check_feed, like every backend's and runner's feed errors.
  EXPECT_NE(s.message().find("CPU engine: input 'x': expected shape 2x3, found 3x2"),
            std::string::npos) << s.message();
  s = run->ctx->infer({{"x", Tensor(DataType::kInt64, {2, 3})}}, out);
  EXPECT_NE(s.message().find("expected dtype f32, found i64"), std::string::npos) << s.message();
  s = run->ctx->infer({{"y", random_tensor({2, 3}, 43)}}, out);
  EXPECT_NE(s.message().find("unknown input name(s) 'y'; the model's inputs are 'x'"),
            std::string::npos) << s.message();
  s = run->ctx->infer({}, out);
  EXPECT_NE(s.message().find("input 'x' (f32, 2x3) is missing"), std::string::npos) << s.message();
  ASSERT_TRUE(run->ctx->infer({{"x", random_tensor({2, 3}, 44)}}, out).ok());
  EXPECT_GT(run->ctx->last_compute_ms(), 0.0);
  auto prof = run->ctx->profile({{"x", random_tensor({2, 3}, 44)}});
  ASSERT_TRUE(prof.ok());
  ASSERT_EQ(prof->size(), 1u);
}

TEST(CpuBackend, TargetCheckNamesBothTargets) {
  EXPECT_TRUE(cpu::check_cpu_target("x86_64:avx2", "x86_64:avx2,avx512f").ok());
  Status s = cpu::check_cpu_target("x86_64:avx512f,avx512_vnni", "x86_64:avx2");
  EXPECT_EQ(s.code(), StatusCode::kVersionMismatch);
  EXPECT_NE(s.message().find("engine built for x86_64:avx512f,avx512_vnni; this CPU has x86_64:avx2"),
            std::string::npos) << s.message();
  EXPECT_TRUE(cpu::check_cpu_target("aarch64:asimd,asimddp", "aarch64:asimd,asimdhp,asimddp").ok());
  Status sve = cpu::check_cpu_target("aarch64:asimd,sve", "aarch64:asimd,asimdhp,asimddp");
  EXPECT_EQ(sve.code(), StatusCode::kVersionMismatch);
  EXPECT_NE(sve.message().find("(missing sve)"), std::string::npos) << sve.message();
  // Another architecture is refused even when the feature lists agree (both empty here).
  Status arch = cpu::check_cpu_target("x86_64:", "aarch64:");
  EXPECT_EQ(arch.code(), StatusCode::kVersionMismatch);
  EXPECT_NE(arch.message().find("'x86_64:', another architecture than this CPU's 'aarch64:'"),
            std::string::npos) << arch.message();
  const runtime::Backend* be = runtime::find_backend(BackendKind::kCpu);
  ASSERT_NE(be, nullptr);
  EXPECT_TRUE(be->check_target(be->current_target()).ok());
  const std::string arch_prefix = std::string(cpu::cpu_arch()) + ":";
  EXPECT_FALSE(be->check_target(arch_prefix + "some_future_isa").ok());
  EXPECT_FALSE(be->check_target(cpu::cpu_arch() == "x86_64" ? "aarch64:" : "x86_64:").ok());
  EXPECT_FALSE(be->check_target("sm_90").ok());
}

TEST(CpuBackend, UnsupportedReason) {
  const runtime::Backend* be = runtime::find_backend(BackendKind::kCpu);
  ASSERT_NE(be, nullptr);
  ir::Node ok("n", "Transpose", "");
  EXPECT_EQ(be->unsupported_reason(ok), "");
  ir::Node bad("nz", "NonZero", "");
  EXPECT_NE(be->unsupported_reason(bad).find("NonZero"), std::string::npos);
}

}  // namespace
}  // namespace actrt::cpu_test
