// Shared by the tests that run the actrt binary: where the sources and the binary are, and one
// run with its exit code and output (stdout and stderr together).
#pragma once

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

// Runs `actrt ARGS` through the shell with its output in `log`.
inline CliRun run_actrt(const std::string& args, const std::filesystem::path& log) {
  const std::string cmd = actrt_bin() + " " + args + " > " + log.string() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, read_file(log)};
}

}  // namespace actrt::test
