// The builder's INT8 fallback (cuda_backend.cc, CudaBackend::compile): an INT8 convolution that
// no cuDNN engine runs on this GPU is rebuilt in floating point (FP16 in an FP16 build) with a
// warning naming it, instead of failing the build. On the H100 cuDNN runs every INT8 geometry of
// ACT, so the test forces the rejection with conv_choice.h's test hook. Skipped without a GPU.
#include <gtest/gtest.h>

#include <string>

#include "backends/cuda/conv_choice.h"
#include "backends/cuda/cuda_ops.h"
#include "cuda_test_util.h"
#include "int8_residual_block.h"

namespace actrt::cuda_test {
namespace {

// Turns the hook off again whatever the test does.
struct RejectionHook {
  explicit RejectionHook(std::function<bool(const ir::Node&)> f) {
    cuda::set_int8_conv_rejection_for_testing(std::move(f));
  }
  ~RejectionHook() { cuda::set_int8_conv_rejection_for_testing({}); }
};

TEST(CudaInt8Fallback, RejectedConvolutionBuildsInFp16AndTheWarningNamesIt) {
  SKIP_WITHOUT_CUDA();
  ResidualBlock blk = residual_block();
  const ir::Graph& g = *blk.g;
  const runtime::TensorMap feeds = int8_block_feeds(g);
  std::string rejected;  // the first INT8 convolution the builder asks about
  RejectionHook hook([&](const ir::Node& n) {
    if (rejected.empty()) rejected = n.name();
    return n.name() == rejected;
  });
  ::testing::internal::CaptureStderr();
  auto compiled = compile_int8_block(g, feeds, /*fp16=*/true, /*deterministic=*/true);
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(compiled.ok()) << compiled.status().to_string() << "\n" << log;
  ASSERT_FALSE(rejected.empty()) << "the hook was never asked: no INT8 convolution was built";
  runtime::Plan& plan = *compiled;

  // The warning says what happened and names the layer.
  const size_t at = log.find("[W] CUDA backend: no cuDNN engine runs 1 INT8 convolution(s)");
  ASSERT_NE(at, std::string::npos) << log;
  const std::string warning = log.substr(at, log.find('\n', at) - at);
  EXPECT_NE(warning.find("stay FP16"), std::string::npos) << warning;
  EXPECT_NE(warning.find(rejected), std::string::npos) << warning;

  // The rejected convolution is FP16 in the plan, the other two still INT8.
  ASSERT_TRUE(plan.layers.count(rejected)) << rejected;
  EXPECT_EQ(plan.layers.at(rejected).precision, Precision::kFp16);
  EXPECT_EQ(plan.metadata["cuda.int8_conv"], "2");

  // And the engine runs, near the FP32 reference (a loose bound: the other two convolutions still
  // quantize; cuda_int8_conv_test checks INT8 accuracy itself).
  const runtime::Backend* be = runtime::find_backend(BackendKind::kCuda);
  auto ctx = be->create_context(plan, {});
  ASSERT_TRUE(ctx.ok()) << ctx.status().to_string();
  runtime::TensorMap outs;
  ASSERT_TRUE((*ctx)->infer(feeds, outs).ok());
  auto fp = reference::Executor(g).run(feeds);
  ASSERT_TRUE(fp.ok());
  const std::string out = g.outputs()[0]->name();
  EXPECT_LE(relative_error(outs[out], fp->at(out)), 1e-1);
}

TEST(CudaInt8Fallback, WithoutTheHookEveryConvolutionStaysInt8) {
  SKIP_WITHOUT_CUDA();
  ResidualBlock blk = residual_block();
  auto compiled = compile_int8_block(*blk.g, int8_block_feeds(*blk.g), true, true);
  ASSERT_TRUE(compiled.ok()) << compiled.status().to_string();
  EXPECT_EQ(compiled->metadata["cuda.int8_conv"], "3");
}

}  // namespace
}  // namespace actrt::cuda_test
