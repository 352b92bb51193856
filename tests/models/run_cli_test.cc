// `actrt run` on act-tiny (issue 18): the reference executor alone, the golden check against
// expected outputs in the --load-inputs .npz, outputs refused before any work when they exist or
// are the inputs file, missing output folders made, and one build time per build.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "cli_test_util.h"
#include "data/npz.h"

namespace actrt {
namespace {

namespace fs = std::filesystem;

using test::CliRun;
using test::read_file;
using test::source_dir;

class RunCli : public test::ActTinyCliTest {
 protected:
  // qpos, image and PyTorch's `actions` for them.
  std::string io() const { return source_dir() + "/models/act-tiny/act-tiny.io.npz"; }
};

TEST_F(RunCli, ReferenceAloneRunsOnlyTheReference) {
  const std::string outputs = (dir_ / "reference.npz").string();
  const CliRun r = run("run " + model() + " --reference --save-outputs " + outputs);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Runner: reference"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("Runner: cpu"), std::string::npos) << "an engine ran too:\n" << r.output;
  EXPECT_EQ(r.output.find("Built cpu engine"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Saved outputs of runner 'reference'"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(outputs));
  // A build option asks for the engine as well; no runner option at all gives both.
  for (const std::string extra : {" --reference --backend cpu", ""}) {
    const CliRun both = run("run " + model() + extra);
    ASSERT_EQ(both.exit_code, 0) << both.output;
    EXPECT_NE(both.output.find("Runner: cpu"), std::string::npos) << extra << "\n" << both.output;
    EXPECT_NE(both.output.find("Runner: reference"), std::string::npos) << extra << "\n" << both.output;
    EXPECT_NE(both.output.find("PASSED"), std::string::npos) << both.output;
  }
}

TEST_F(RunCli, GoldenOutputsInTheInputsFileAreChecked) {
  const CliRun r = run("run " + model() + " --load-inputs " + io() + " --atol 1e-4 --rtol 1e-3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("cpu-fp32 vs. golden"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("reference vs. golden"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Absolute Difference"), std::string::npos) << r.output;
  // `actions` is an expected output, not an unknown input.
  EXPECT_EQ(r.output.find("is not an input of the model"), std::string::npos) << r.output;

  // The same inputs with `actions` off by 0.01: beyond --atol, the run fails.
  Result<data::TensorMap> arrays = data::read_npz(io());
  ASSERT_TRUE(arrays.ok()) << arrays.status().to_string();
  Tensor& actions = arrays->at("actions");
  float* a = actions.data<float>();
  for (int64_t i = 0; i < actions.numel(); ++i) a[i] += 0.01f;
  const std::string off = (dir_ / "off.npz").string();
  ASSERT_TRUE(data::write_npz(off, *arrays).ok());
  const CliRun bad = run("run " + model() + " --reference --load-inputs " + off +
                         " --atol 1e-3 --rtol 0");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("reference vs. golden"), std::string::npos) << bad.output;
  EXPECT_TRUE(std::regex_search(bad.output, std::regex("Absolute Difference.*max=0\\.01")))
      << bad.output;
  EXPECT_NE(bad.output.find("FAILED"), std::string::npos) << bad.output;
}

TEST_F(RunCli, SavedFilesAreNotOverwritten) {
  for (const std::string flag : {"--save-outputs", "--save-results"}) {
    const fs::path out = dir_ / ("exists" + std::string(flag == "--save-outputs" ? ".npz" : ".json"));
    std::ofstream(out) << "keep";
    const CliRun r = run("run " + model() + " " + flag + " " + out.string());
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(flag + " " + out.string() + ": already exists"), std::string::npos)
        << r.output;
    EXPECT_EQ(r.output.find("Runner:"), std::string::npos) << "work started:\n" << r.output;
    EXPECT_EQ(read_file(out), "keep");
    const CliRun forced = run("run " + model() + " --reference " + flag + " " + out.string() +
                              " --force");
    EXPECT_EQ(forced.exit_code, 0) << forced.output;
    EXPECT_NE(read_file(out), "keep");
  }
  // The inputs file itself: refused even with --force.
  const fs::path inputs = dir_ / "inputs.npz";
  fs::copy_file(io(), inputs);
  const std::string before = read_file(inputs);
  const CliRun r = run("run " + model() + " --load-inputs " + inputs.string() + " --save-outputs " +
                       inputs.string() + " --force");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("is the --load-inputs file"), std::string::npos) << r.output;
  EXPECT_EQ(read_file(inputs), before);
}

// README's tour writes into out/ of a fresh clone: missing folders above an output are made.
TEST_F(RunCli, MissingOutputFoldersAreCreated) {
  const fs::path engine = dir_ / "new" / "sub" / "fp32.engine";
  const CliRun b = run("build " + model() + " --save-engine " + engine.string());
  ASSERT_EQ(b.exit_code, 0) << b.output;
  EXPECT_TRUE(fs::exists(engine));
  const fs::path outputs = dir_ / "other" / "reference.npz";
  const CliRun r = run("run " + model() + " --reference --save-outputs " + outputs.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(outputs));
}

TEST_F(RunCli, OneBuildTimePerBuild) {
  const std::string engine = (dir_ / "fp32.engine").string();
  const CliRun r = run("build " + model() + " --save-engine " + engine);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::regex time(R"([0-9.]+ s\b)");
  size_t times = 0;
  for (auto it = std::sregex_iterator(r.output.begin(), r.output.end(), time);
       it != std::sregex_iterator(); ++it)
    ++times;
  EXPECT_EQ(times, 1u) << r.output;
}

}  // namespace
}  // namespace actrt
