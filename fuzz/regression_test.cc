// Replays every committed fuzz input through its target (fuzz/targets.h): the inputs that once
// crashed a reader (fuzz/regressions/<target>/, one file per finding, named after it) and the
// seeds (fuzz/seeds/<target>/). A crash, an uncaught exception or a broken invariant fails the
// test; in the sanitizer build (preset fuzz) so does any sanitizer report.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <vector>

#include "targets.h"

namespace actrt::fuzz {

// Names the parameter in test names and messages (gtest would print the struct's bytes). Next
// to Target's namespace, where gtest finds it.
void PrintTo(const Target& target, std::ostream* os) { *os << target.name; }

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs_of(const std::string& target) {
  std::vector<fs::path> files;
  for (const char* folder : {"regressions", "seeds"}) {
    const fs::path dir = fs::path(ACTRT_SOURCE_DIR) / "fuzz" / folder / target;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class FuzzRegressions : public testing::TestWithParam<Target> {};

TEST_P(FuzzRegressions, EveryCommittedInputIsRefusedOrRead) {
  const Target& target = GetParam();
  const std::vector<fs::path> files = inputs_of(std::string(target.name));
  // Every target has committed seeds: an empty list means the folders moved.
  ASSERT_FALSE(files.empty()) << "no inputs under fuzz/seeds/" << target.name;
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    std::ifstream in(file, std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                     std::istreambuf_iterator<char>());
    EXPECT_EQ(target.run(FuzzInput(bytes.data(), bytes.size())), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzRegressions, testing::ValuesIn(all_targets().begin(),
                                                                     all_targets().end()),
                         [](const testing::TestParamInfo<Target>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace actrt::fuzz
