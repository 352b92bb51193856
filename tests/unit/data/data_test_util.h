// Helpers shared by the data tests: scratch folders and running python3 snippets.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

namespace actrt::data::testing {

// A fresh folder under the system temp dir, removed when the test ends.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "actrt_" + tag + "_" + (info ? std::string(info->name()) : "x") + "_" +
                       std::to_string(::getpid());
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string str() const { return path_.string(); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The first Python interpreter that can `import <modules>`: $ACTRT_PYTHON, python3 on PATH, then
// Debian's /usr/bin/python3 (where python3-numpy / python3-h5py live even when a pyenv shim comes
// first on PATH). Empty when none can; tests that need it skip.
inline std::string python_with(const std::string& modules) {
  // Starting Python with numpy/h5py takes seconds on a loaded machine: ask once per module list.
  static std::map<std::string, std::string> cache;
  if (auto it = cache.find(modules); it != cache.end()) return it->second;
  std::string& found = cache[modules];
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("ACTRT_PYTHON")) candidates.push_back(env);
  candidates.push_back("python3");
  candidates.push_back("/usr/bin/python3");
  for (const std::string& py : candidates) {
    const std::string cmd = py + " -c 'import " + modules + "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) return found = py;
  }
  return found;
}
inline bool python_has(const std::string& modules) { return !python_with(modules).empty(); }

// Writes `code` to a file in `dir` and runs it with the interpreter that has numpy (and h5py when
// `modules` says so); returns the exit status.
inline int run_python(const ScratchDir& dir, const std::string& code,
                      const std::string& modules = "numpy") {
  const std::string script = dir / "script.py";
  std::ofstream(script) << code;
  const std::string cmd = python_with(modules) + " '" + script + "'";
  return std::system(cmd.c_str());
}

}  // namespace actrt::data::testing
