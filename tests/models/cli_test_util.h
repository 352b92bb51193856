// Shared by the tests that run the actrt binary: where the sources and the binary are, and one
// run with its exit code and output (stdout and stderr together), and a fixture for the tests
// that run it on the bundled act-tiny.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace actrt::test {

// ACTRT_SOURCE_DIR from the environment (ctest sets it), else the configure-time one.
inline std::string source_dir() {
  const char* dir = std::getenv("ACTRT_SOURCE_DIR");
  return dir ? dir : ACTRT_SOURCE_DIR;
}

inline std::string actrt_bin() { return std::string(ACTRT_BINARY_DIR) + "/bin/actrt"; }

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct CliRun {
  int exit_code = -1;
  std::string output;  // stdout + stderr
};

// Runs `actrt ARGS` through the shell with its output in `log` (behind the emulator in a cross
// build: ACTRT_CLI_LAUNCHER, tests/CMakeLists.txt).
inline CliRun run_actrt(const std::string& args, const std::filesystem::path& log) {
  const std::string cmd =
      ACTRT_CLI_LAUNCHER + actrt_bin() + " " + args + " > " + log.string() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, read_file(log)};
}

// Runs actrt on models/act-tiny: skips when the model is absent, gives every test case a fresh
// folder (dir_) removed afterwards, and keeps each run's output in a log file there.
class ActTinyCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(actrt_bin()))
        << actrt_bin() << " is missing: build the actrt_cli target";
    if (!std::filesystem::exists(model())) GTEST_SKIP() << model() << " not present";
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("actrt_" + std::string(info->test_suite_name()) + "_" + std::to_string(::getpid()) +
            "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  CliRun run(const std::string& args) {
    return run_actrt(args, dir_ / ("run" + std::to_string(runs_++) + ".log"));
  }
  static std::string model() { return source_dir() + "/models/act-tiny/act-tiny.onnx"; }

  std::filesystem::path dir_;
  int runs_ = 0;
};

}  // namespace actrt::test
