// A CUDA policy engine of act-tiny against the CPU one: the uint8 frames go up as bytes and are
// converted on the GPU; frames from the caller, from Policy::frame_buffer() (pinned staging) and
// from device memory give the same chunk. Skips without a GPU.
#include <gtest/gtest.h>

#include <cuda_runtime.h>

#include <cmath>
#include <filesystem>
#include <vector>

#include "act_tiny_fixture.h"
#include "actrt/engine.h"
#include "actrt/policy.h"
#include "runtime/backend.h"

namespace actrt::test {
namespace {

std::shared_ptr<Engine> build_policy(BackendKind backend, bool fp16) {
  auto contract = policy_contract_from_model_files(kActTinyModel);
  EXPECT_TRUE(contract.ok()) << contract.status().to_string();
  NetworkOptions o;
  o.policy = *contract;
  auto net = network_from_onnx_path(kActTinyModel, o);
  EXPECT_TRUE(net.ok()) << net.status().to_string();
  BuilderConfig config;
  config.backend = backend;
  config.fp16 = fp16;
  config.threads = 1;
  auto engine = engine_from_network(*net, config);
  EXPECT_TRUE(engine.ok()) << engine.status().to_string();
  return engine.ok() ? *engine : nullptr;
}

double max_abs_diff(std::span<const float> a, std::span<const float> b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(static_cast<double>(a[i]) - b[i]));
  return m;
}

void check(bool fp16, double tolerance) {
  const runtime::Backend* cuda = runtime::find_backend(BackendKind::kCuda);
  if (!cuda || !cuda->available().ok()) GTEST_SKIP() << "no CUDA device";
  if (!std::filesystem::exists(kActTinyModel)) GTEST_SKIP() << kActTinyModel << " not present";
  auto cpu = Policy::create(build_policy(BackendKind::kCpu, false));
  auto gpu = Policy::create(build_policy(BackendKind::kCuda, fp16));
  ASSERT_TRUE(cpu.ok() && gpu.ok()) << gpu.status().to_string();
  for (const LayerInfo& l : (*gpu)->engine().layers())
    EXPECT_EQ(l.kernel.rfind("host.", 0), std::string::npos) << l.name << " runs on the host: " << l.kernel;
  std::vector<uint8_t> pixels[2];
  std::vector<Frame> frames;
  for (int c = 0; c < 2; ++c) {
    pixels[c].resize(96 * 128 * 3);
    for (size_t i = 0; i < pixels[c].size(); ++i) pixels[c][i] = static_cast<uint8_t>((i * 13 + c * 7) % 256);
    frames.push_back({pixels[c].data(), 96, 128});
  }
  const std::vector<float> qpos = {0.0f, 1.2f, -1.8f, -1.0f, -0.1f, 0.7f};
  auto want = (*cpu)->predict_chunk(frames, qpos);
  ASSERT_TRUE(want.ok());
  const std::vector<float> ref(want->begin(), want->end());

  auto caller = (*gpu)->predict_chunk(frames, qpos);
  ASSERT_TRUE(caller.ok()) << caller.status().to_string();
  EXPECT_LT(max_abs_diff(*caller, ref), tolerance);
  const std::vector<float> got(caller->begin(), caller->end());

  // Frame buffers (pinned staging): the same bits as caller frames.
  for (int c = 0; c < 2; ++c)
    std::copy(pixels[c].begin(), pixels[c].end(), (*gpu)->frame_buffer(c == 0 ? "top" : "left_wrist"));
  auto step = (*gpu)->step(qpos);
  ASSERT_TRUE(step.ok()) << step.status().to_string();
  EXPECT_EQ(std::vector<float>(step->action.begin(), step->action.end()), std::vector<float>(got.begin(), got.begin() + 6));

  // Device frames: copied device to device, the same bits.
  std::vector<Frame> device = frames;
  std::vector<void*> allocations;
  for (int c = 0; c < 2; ++c) {
    void* d = nullptr;
    ASSERT_EQ(cudaMalloc(&d, pixels[c].size()), cudaSuccess);
    ASSERT_EQ(cudaMemcpy(d, pixels[c].data(), pixels[c].size(), cudaMemcpyHostToDevice), cudaSuccess);
    device[c].data = d;
    device[c].memory = Frame::Memory::kDevice;
    allocations.push_back(d);
  }
  auto from_device = (*gpu)->predict_chunk(device, qpos);
  for (void* d : allocations) cudaFree(d);
  ASSERT_TRUE(from_device.ok()) << from_device.status().to_string();
  EXPECT_EQ(std::vector<float>(from_device->begin(), from_device->end()), got);
}

TEST(CudaPolicy, Fp32MatchesTheCpuPolicy) { check(false, 2e-3); }
TEST(CudaPolicy, Fp16MatchesTheCpuPolicyWithinTheFp16Budget) { check(true, 5e-2); }

}  // namespace
}  // namespace actrt::test
