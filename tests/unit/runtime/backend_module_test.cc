// Backends built as modules (runtime/backend_module.h): this test binary does not link the CUDA
// backend, so find_backend(kCuda) must load libactrt_backend_cuda.so and the backend must land in
// this program's registry; a module that cannot be loaded gives nullptr and a message with the
// loader's reason.
#include "runtime/backend_module.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "runtime/backend.h"

namespace actrt::runtime {
namespace {

namespace fs = std::filesystem;

TEST(BackendModule, CpuIsLinkedInNotAModule) {
  EXPECT_EQ(backend_module_name(BackendKind::kCpu), "");
}

TEST(BackendModule, FindBackendLoadsTheCudaModuleIntoThisRegistry) {
  if (backend_module_name(BackendKind::kCuda).empty())
    GTEST_SKIP() << "this build has no CUDA backend module";
  const Backend* cuda = find_backend(BackendKind::kCuda);
  ASSERT_NE(cuda, nullptr) << backend_missing_reason(BackendKind::kCuda);
  EXPECT_EQ(cuda->kind(), BackendKind::kCuda);
  EXPECT_EQ(backend_missing_reason(BackendKind::kCuda), "");
  // Loaded once: the second request returns the same backend.
  EXPECT_EQ(find_backend(BackendKind::kCuda), cuda);
}

// A file that is not a shared library where the module should be: the reason carries the
// loader's message, prefixed so that it names the backend.
TEST(BackendModule, UnloadableModuleSaysWhy) {
  if (backend_module_name(BackendKind::kCuda).empty())
    GTEST_SKIP() << "this build has no CUDA backend module";
  const fs::path dir =
      fs::temp_directory_path() / ("actrt_backend_module_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path fake = dir / std::string(backend_module_name(BackendKind::kCuda));
  std::ofstream(fake) << "not an ELF file\n";
  ::setenv("ACTRT_BACKEND_PATH", dir.c_str(), 1);
  const std::string reason = load_backend_module(BackendKind::kCuda);
  ::unsetenv("ACTRT_BACKEND_PATH");
  fs::remove_all(dir);
  EXPECT_NE(reason.find("the CUDA backend could not be loaded: "), std::string::npos) << reason;
  EXPECT_NE(reason.find(fake.string()), std::string::npos) << reason;
}

// $ACTRT_BACKEND_PATH comes first, but a directory there without the module is passed over for
// the program's own (build/bin/../lib here).
TEST(BackendModule, EnvironmentDirectoryWithoutTheModuleFallsBack) {
  if (backend_module_name(BackendKind::kCuda).empty())
    GTEST_SKIP() << "this build has no CUDA backend module";
  const fs::path dir = fs::temp_directory_path() / "actrt_no_such_backend_dir";
  ::setenv("ACTRT_BACKEND_PATH", dir.c_str(), 1);
  const std::string reason = load_backend_module(BackendKind::kCuda);
  ::unsetenv("ACTRT_BACKEND_PATH");
  EXPECT_EQ(reason, "");
}

}  // namespace
}  // namespace actrt::runtime
