// `actrt --version`: exit code 0, the version of project() in CMakeLists.txt equal to the
// producer version written into engine files (include/actrt/version.h), a commit, and the
// backends this build registered.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <regex>
#include <string>

#include "actrt/version.h"
#include "cli_test_util.h"
#include "runtime/backend.h"

namespace actrt {
namespace {

namespace fs = std::filesystem;

using test::actrt_bin;
using test::CliRun;

CliRun run_actrt(const std::string& args) {
  const fs::path log = fs::temp_directory_path() /
                       ("actrt_version_cli_" + std::to_string(::getpid()) + ".log");
  CliRun r = test::run_actrt(args, log);
  fs::remove(log);
  return r;
}

TEST(VersionCli, PrintsVersionCommitBackendsAndLibraries) {
  ASSERT_TRUE(fs::exists(actrt_bin())) << actrt_bin() << " is missing: build the actrt_cli target";
  const CliRun r = run_actrt("--version");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::smatch m;
  const std::regex first_line("^actrt ([0-9.]+) \\(commit ([0-9a-f]+|unknown)");
  ASSERT_TRUE(std::regex_search(r.output, m, first_line)) << r.output;
  EXPECT_EQ(m[1].str(), std::string(version_string()))
      << "project(VERSION) in CMakeLists.txt and include/actrt/version.h disagree";
  ASSERT_TRUE(std::regex_search(r.output, m, std::regex("\nbackends: ([^\n]*)\n"))) << r.output;
  const std::string backends = m[1].str();
  EXPECT_EQ(backends.find("cpu") != std::string::npos,
            runtime::find_backend(BackendKind::kCpu) != nullptr) << backends;
  EXPECT_EQ(backends.find("cuda") != std::string::npos,
            runtime::find_backend(BackendKind::kCuda) != nullptr) << backends;
  for (const char* library : {"oneDNN: ", "CUDA: ", "cuDNN: "})
    EXPECT_NE(r.output.find(library), std::string::npos) << library << " missing:\n" << r.output;
  if (runtime::find_backend(BackendKind::kCpu)) {
    EXPECT_TRUE(std::regex_search(r.output, std::regex("oneDNN: [0-9]+\\.[0-9]+"))) << r.output;
  }
}

TEST(VersionCli, HelpMentionsVersion) {
  const CliRun r = run_actrt("--help");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("--version"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace actrt
