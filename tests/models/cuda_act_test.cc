// act-tiny on the CUDA backend against the reference executor, per precision, through the public
// API (network -> engine -> save/load -> runner). Skips without a GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "act_tiny_fixture.h"
#include "actrt/engine.h"
#include "actrt/runners.h"
#include "data/npz.h"
#include "runtime/backend.h"

using namespace actrt;

namespace {


void check_precision(bool tf32, bool fp16, double tolerance, bool bf16 = false) {
  const runtime::Backend* cuda = runtime::find_backend(BackendKind::kCuda);
  if (!cuda || !cuda->available().ok()) GTEST_SKIP() << "no CUDA device";
  if (!std::filesystem::exists(test::kActTinyModel)) GTEST_SKIP() << test::kActTinyModel << " not present";
  auto net = network_from_onnx_path_shared(test::kActTinyModel);
  ASSERT_TRUE(net.ok()) << net.status().to_string();
  BuilderConfig config;
  config.backend = BackendKind::kCuda;
  config.tf32 = tf32;
  config.fp16 = fp16;
  config.bf16 = bf16;
  auto built = engine_from_network(*net.value(), config);
  ASSERT_TRUE(built.ok()) << built.status().to_string();
  // Through the file format: what users deploy.
  auto bytes = built.value()->serialize();
  ASSERT_TRUE(bytes.ok());
  auto engine = engine_from_bytes(bytes.value(), "act-tiny-cuda");
  ASSERT_TRUE(engine.ok()) << engine.status().to_string();
  auto io = data::read_npz(test::kActTinyIo);
  ASSERT_TRUE(io.ok());
  TensorMap feed = {{"qpos", io->at("qpos")}, {"image", io->at("image")}};
  std::shared_ptr<Network> network = net.value();
  auto reference = make_reference_runner([network]() -> Result<std::shared_ptr<Network>> { return network; });
  std::shared_ptr<Engine> e = engine.value();
  auto gpu = make_engine_runner([e]() -> Result<std::shared_ptr<Engine>> { return e; });
  RunnerActivation ra(*reference), ga(*gpu);
  ASSERT_TRUE(ra.ok() && ga.ok()) << ga.status().to_string();
  auto want = reference->infer(feed);
  ASSERT_TRUE(want.ok());
  // Several runs: the second captures a CUDA graph, later ones replay it.
  for (int run = 0; run < 3; ++run) {
    auto got = gpu->infer(feed);
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    const double err = test::relative_max_error(got->at("actions").to_float32(), want->at("actions"));
    EXPECT_LT(err, tolerance) << "run " << run;
  }
}

}  // namespace

TEST(CudaAct, Fp32MatchesReference) { check_precision(false, false, 1e-4); }
TEST(CudaAct, Tf32MatchesReference) { check_precision(true, false, 2e-3); }
TEST(CudaAct, Fp16MatchesReference) { check_precision(false, true, 1e-2); }
// BF16 matrix products (8-bit mantissa) in an FP32 engine, and in an FP16 one.
TEST(CudaAct, Bf16MatchesReference) { check_precision(false, false, 3e-2, true); }
TEST(CudaAct, Fp16Bf16MatchesReference) { check_precision(false, true, 3e-2, true); }
