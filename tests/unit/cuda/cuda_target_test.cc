// The CUDA engine target check (backends/cuda/cuda_target.h): pure host logic, runs without a GPU.
#include "backends/cuda/cuda_target.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace actrt::cuda {
namespace {

CudaTarget target(int sm, LibraryVersion cudnn, LibraryVersion cublaslt) {
  CudaTarget t;
  t.sm = sm;
  t.cudnn = cudnn;
  t.cublaslt = cublaslt;
  return t;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(CudaTarget, DecodesLibraryVersionNumbers) {
  EXPECT_EQ(cudnn_version_from(91900), (LibraryVersion{9, 19, 0}));
  EXPECT_EQ(cudnn_version_from(90102), (LibraryVersion{9, 1, 2}));
  EXPECT_EQ(cudnn_version_from(8907), (LibraryVersion{8, 9, 7}));  // cuDNN 8's encoding
  EXPECT_EQ(cublaslt_version_from(130002), (LibraryVersion{13, 0, 2}));
  EXPECT_EQ(cublaslt_version_from(120405), (LibraryVersion{12, 4, 5}));
  EXPECT_FALSE(cudnn_version_from(0).known());
}

TEST(CudaTarget, FormatsAndParsesBack) {
  const CudaTarget t = target(87, {9, 3, 0}, {12, 6, 1});
  EXPECT_EQ(format_cuda_target(t), "sm_87;cudnn=9.3.0;cublasLt=12.6.1");
  auto back = parse_cuda_target(format_cuda_target(t));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->sm, 87);
  EXPECT_EQ(back->cudnn, t.cudnn);
  EXPECT_EQ(back->cublaslt, t.cublaslt);
  EXPECT_EQ(format_cuda_target(target(120, {}, {})), "sm_120");
}

TEST(CudaTarget, ParsesTargetsOfOlderEnginesWithoutVersions) {
  auto t = parse_cuda_target("sm_90");
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->sm, 90);
  EXPECT_FALSE(t->cudnn.known());
  EXPECT_FALSE(t->cublaslt.known());
}

TEST(CudaTarget, RefusesMalformedTargetsQuotingThem) {
  for (const char* bad : {"", "x86_64:avx2", "sm_", "sm_9x", "sm_90;cudnn=9", "sm_90;cudnn=9.1.x",
                          "sm_90;driver=1.2.3", "sm_90;"}) {
    auto t = parse_cuda_target(bad);
    ASSERT_FALSE(t.ok()) << bad;
    const std::string quoted = fmt::format("'{}'", bad);
    EXPECT_TRUE(contains(t.status().message(), quoted)) << t.status().message();
  }
}

TEST(CudaTarget, SameArchitectureAndVersionsRunsSilently) {
  const CudaTarget t = target(90, {9, 19, 0}, {13, 0, 2});
  const TargetVerdict v = check_cuda_target(t, t);
  EXPECT_TRUE(v.status.ok());
  EXPECT_TRUE(v.warning.empty()) << v.warning;
}

TEST(CudaTarget, AnotherArchitectureIsRefusedNamingBothAndTheFix) {
  const TargetVerdict v =
      check_cuda_target(target(86, {9, 19, 0}, {13, 0, 2}), target(90, {9, 19, 0}, {13, 0, 2}));
  ASSERT_FALSE(v.status.ok());
  EXPECT_EQ(v.status.code(), StatusCode::kVersionMismatch);
  const std::string& m = v.status.message();
  EXPECT_TRUE(contains(m, "built for sm_86")) << m;
  EXPECT_TRUE(contains(m, "this machine is sm_90")) << m;
  EXPECT_TRUE(contains(m, "rebuild")) << m;
  EXPECT_TRUE(contains(m, "--timing-cache")) << m;
}

TEST(CudaTarget, AnOldEngineOnAnotherArchitectureIsRefused) {
  const TargetVerdict v = check_cuda_target(target(90, {}, {}), target(89, {9, 19, 0}, {13, 0, 2}));
  ASSERT_FALSE(v.status.ok());
  EXPECT_TRUE(contains(v.status.message(), "built for sm_90 but")) << v.status.message();
}

TEST(CudaTarget, AnotherMajorCudnnIsRefused) {
  const TargetVerdict v =
      check_cuda_target(target(87, {8, 9, 7}, {12, 6, 1}), target(87, {9, 3, 0}, {12, 6, 1}));
  ASSERT_FALSE(v.status.ok());
  const std::string& m = v.status.message();
  EXPECT_TRUE(contains(m, "cuDNN 8.9.7")) << m;
  EXPECT_TRUE(contains(m, "cuDNN 9.3.0")) << m;
  EXPECT_TRUE(contains(m, "major cuDNN")) << m;
}

TEST(CudaTarget, AnotherMajorCublasLtIsRefused) {
  const TargetVerdict v =
      check_cuda_target(target(90, {9, 19, 0}, {12, 9, 0}), target(90, {9, 19, 0}, {13, 0, 2}));
  ASSERT_FALSE(v.status.ok());
  EXPECT_TRUE(contains(v.status.message(), "major cuBLASLt")) << v.status.message();
}

TEST(CudaTarget, MinorVersionDifferencesRunWithAWarning) {
  const TargetVerdict cudnn_minor =
      check_cuda_target(target(90, {9, 13, 0}, {13, 0, 2}), target(90, {9, 19, 0}, {13, 0, 2}));
  EXPECT_TRUE(cudnn_minor.status.ok()) << cudnn_minor.status.to_string();
  EXPECT_TRUE(contains(cudnn_minor.warning, "cuDNN 9.13.0")) << cudnn_minor.warning;
  EXPECT_TRUE(contains(cudnn_minor.warning, "cuDNN 9.19.0")) << cudnn_minor.warning;
  const TargetVerdict lt_patch =
      check_cuda_target(target(90, {9, 19, 0}, {13, 0, 1}), target(90, {9, 19, 0}, {13, 0, 2}));
  EXPECT_TRUE(lt_patch.status.ok());
  EXPECT_FALSE(lt_patch.warning.empty());
}

TEST(CudaTarget, AnEngineWithoutRecordedVersionsRunsOnItsArchitecture) {
  const TargetVerdict v = check_cuda_target(target(90, {}, {}), target(90, {9, 19, 0}, {13, 0, 2}));
  EXPECT_TRUE(v.status.ok()) << v.status.to_string();
  EXPECT_TRUE(v.warning.empty());
}

}  // namespace
}  // namespace actrt::cuda
