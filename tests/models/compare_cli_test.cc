// `actrt compare` end to end on act-tiny (2 evaluation samples, 2 calibration samples, one timed
// run each, so it stays a few seconds): results.json keys for every variant, disjoint samples,
// the SVGs and their labels, the engine cache, and the error messages for bad arguments.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "core/json.h"
#include "cli_test_util.h"

namespace actrt {
namespace {

namespace fs = std::filesystem;

using test::actrt_bin;
using test::CliRun;
using test::read_file;
using test::run_actrt;
using test::source_dir;

class CompareCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(actrt_bin())) << actrt_bin() << " is missing: build the actrt_cli target";
    dir_ = fs::temp_directory_path() /
           ("actrt_compare_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string model() const { return source_dir() + "/models/act-tiny/act-tiny.onnx"; }
  std::string eval() const { return source_dir() + "/models/act-tiny/eval"; }
  std::string stats() const { return source_dir() + "/models/act-tiny/stats.json"; }
  fs::path dir_;
};

TEST_F(CompareCli, WritesReportWithEveryVariant) {
  const std::string out = (dir_ / "report").string();
  const std::string args = model() + " --data " + eval() + " --stats " + stats() +
                           " --samples 2 --calib-samples 2 --repeat 1 --threads 1"
                           " --variants fp32,tf32,int8,int8-random --report " + out;
  CliRun run = run_actrt("compare " + args, (dir_ / "log1.txt").string());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  // The table is printed.
  EXPECT_NE(run.output.find("| variant"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("| int8-random"), std::string::npos) << run.output;

  auto json = parse_json(read_file(out + "/results.json"), "results.json");
  ASSERT_TRUE(json.ok()) << json.status().to_string();
  ASSERT_TRUE(json->contains("variants") && (*json)["variants"].is_array());
  // Unstable latencies are warned about in the report itself (an array, empty when stable).
  ASSERT_TRUE(json->contains("warnings") && (*json)["warnings"].is_array());
  const Json& variants = (*json)["variants"];
  std::vector<std::string> names;
  for (const Json& v : variants) {
    ASSERT_TRUE(v.contains("name") && v["name"].is_string());
    const std::string name = v["name"].get<std::string>();
    names.push_back(name);
    for (const char* key : {"name", "status", "reason", "l1_to_ground_truth", "l1_to_ground_truth_robot",
                            "l1_per_step", "l1_vs_fp32", "max_abs_vs_fp32", "latency_ms_median",
                            "latency_ms_p99", "latency_cv", "latency_warning", "speedup_vs_pytorch",
                            "engine_bytes", "build_seconds"})
      EXPECT_TRUE(v.contains(key)) << name << " lacks " << key;
    const std::string status = v.value("status", "");
    if (status == "ok") {
      EXPECT_TRUE(v["l1_to_ground_truth"].is_number()) << name;
      EXPECT_TRUE(v["latency_ms_median"].is_number()) << name;
      EXPECT_GT(v.value("engine_bytes", 0.0), 0) << name;
      EXPECT_EQ(v["l1_per_step"].size(), 20u) << name;
    } else {
      // A variant that cannot run is a row with the reason, never a failed command.
      EXPECT_FALSE(v.value("reason", "").empty()) << name;
    }
  }
  EXPECT_EQ(names, (std::vector<std::string>{"fp32", "tf32", "int8", "int8-random"}));
  // fp32 is the reference: it runs, and it is 0 against itself.
  EXPECT_EQ(variants[0].value("status", ""), "ok");
  EXPECT_EQ(variants[0].value("max_abs_vs_fp32", -1.0), 0);
  // tf32 is skipped on the CPU, with a note.
  EXPECT_EQ(variants[1].value("status", ""), "skipped");

  // Evaluation and calibration samples never share an (episode, t).
  std::set<std::pair<double, double>> calib;
  for (const Json& r : (*json)["calibration_refs"])
    calib.insert({r[0].get<double>(), r[1].get<double>()});
  ASSERT_EQ(calib.size(), 2u);
  ASSERT_EQ((*json)["evaluation_refs"].size(), 2u);
  for (const Json& r : (*json)["evaluation_refs"])
    EXPECT_EQ(calib.count({r[0].get<double>(), r[1].get<double>()}), 0u);

  // Plots: real SVG with the variant labels and axis titles.
  const std::string scatter = read_file(out + "/latency_vs_l1.svg");
  const std::string lines = read_file(out + "/l1_along_chunk.svg");
  for (const std::string* svg : {&scatter, &lines}) {
    EXPECT_NE(svg->find("<svg"), std::string::npos);
    EXPECT_NE(svg->find("</svg>"), std::string::npos);
    EXPECT_NE(svg->find(">fp32<"), std::string::npos);
  }
  EXPECT_NE(scatter.find("L1"), std::string::npos);
  EXPECT_NE(lines.find("chunk"), std::string::npos);
  const std::string md = read_file(out + "/report.md");
  EXPECT_NE(md.find("| fp32"), std::string::npos) << md;

  // A second run into the same OUT replaces the report only with --force (issue 20: report.md
  // was overwritten without asking), refused before any work.
  const std::string report_before = read_file(out + "/report.md");
  CliRun refused = run_actrt("compare " + args, (dir_ / "log_refused.txt").string());
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("report.md: already exists"), std::string::npos) << refused.output;
  EXPECT_EQ(refused.output.find("Evaluation:"), std::string::npos) << "work started:\n" << refused.output;
  EXPECT_EQ(read_file(out + "/report.md"), report_before);
  // With --force, it reuses the cached engines.
  CliRun again = run_actrt("compare " + args + " --force", (dir_ / "log2.txt").string());
  ASSERT_EQ(again.exit_code, 0) << again.output;
  auto json2 = parse_json(read_file(out + "/results.json"), "results.json");
  ASSERT_TRUE(json2.ok());
  EXPECT_TRUE((*json2)["variants"][0].value("engine_cached", false));
}

// Issue 20: the engine cache in OUT/engines reused an engine built with other model options
// (--no-optimize, --disable-pass, --shapes) and reported it under the new ones.
TEST_F(CompareCli, EngineCacheKeyIncludesHowTheModelWasLoaded) {
  const std::string out = (dir_ / "report").string();
  const std::string args = model() + " --data " + eval() + " --stats " + stats() +
                           " --samples 1 --repeat 1 --threads 1 --variants fp32 --force --report " + out;
  CliRun first = run_actrt("compare " + args, (dir_ / "log1.txt").string());
  ASSERT_EQ(first.exit_code, 0) << first.output;
  auto cached = [&]() {
    auto json = parse_json(read_file(out + "/results.json"), "results.json");
    return json.ok() && (*json)["variants"][0].value("engine_cached", false);
  };
  EXPECT_FALSE(cached());
  CliRun same = run_actrt("compare " + args, (dir_ / "log2.txt").string());
  ASSERT_EQ(same.exit_code, 0) << same.output;
  EXPECT_TRUE(cached());
  for (const std::string option : {"--no-optimize", "--disable-pass fuse_layer_norm"}) {
    CliRun other = run_actrt("compare " + args + " " + option, (dir_ / "log3.txt").string());
    ASSERT_EQ(other.exit_code, 0) << other.output;
    EXPECT_FALSE(cached()) << option << " reused the engine built without it";
  }
}

TEST_F(CompareCli, DataFolderWithoutEpisodes) {
  CliRun run = run_actrt("compare " + model() + " --data " + dir_.string() + " --report " +
                             (dir_ / "r").string(),
                         (dir_ / "log.txt").string());
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("no ACT episodes (episode_<i>.hdf5)"), std::string::npos) << run.output;
}

TEST_F(CompareCli, UnknownVariant) {
  CliRun run = run_actrt("compare " + model() + " --data " + eval() + " --variants fp32,fp64 --report " +
                             (dir_ / "r").string(),
                         (dir_ / "log.txt").string());
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("unknown variant 'fp64'"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("int8-random"), std::string::npos) << run.output;  // lists known ones
}

TEST_F(CompareCli, UnknownCamera) {
  CliRun run = run_actrt("compare " + model() + " --data " + eval() + " --cameras top,nosuch --report " +
                             (dir_ / "r").string(),
                         (dir_ / "log.txt").string());
  EXPECT_NE(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("nosuch"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("left_wrist"), std::string::npos) << run.output;  // lists those present
}

// --timing-cache reaches the builder from `actrt build` and `actrt compare`. The CPU backend
// times no tactics, so there a timing cache would be ignored: refused (issue 20), and no file is
// created or changed. (The cache's own loading and saving is tested on the GPU.)
TEST_F(CompareCli, TimingCacheOption) {
  const std::string bad = (dir_ / "bad.cache").string();
  { std::ofstream(bad) << "actrt-timing-cache 1\nonly-one-field\n"; }
  CliRun build = run_actrt("build " + model() + " --save-engine " + (dir_ / "a.engine").string() +
                               " --timing-cache " + bad,
                           (dir_ / "log1.txt").string());
  EXPECT_EQ(build.exit_code, 2) << build.output;
  EXPECT_NE(build.output.find("cpu backend times no tactics"), std::string::npos) << build.output;
  EXPECT_EQ(read_file(bad), "actrt-timing-cache 1\nonly-one-field\n");

  CliRun cmp = run_actrt("compare " + model() + " --data " + eval() + " --stats " + stats() +
                             " --samples 1 --repeat 1 --threads 1 --variants fp32 --timing-cache " + bad +
                             " --report " + (dir_ / "r").string(),
                         (dir_ / "log2.txt").string());
  EXPECT_NE(cmp.exit_code, 0) << cmp.output;
  EXPECT_NE(cmp.output.find("times no tactics"), std::string::npos) << cmp.output;

  const std::string fresh = (dir_ / "new.cache").string();
  CliRun refused = run_actrt("build " + model() + " --save-engine " + (dir_ / "b.engine").string() +
                                 " --timing-cache " + fresh,
                             (dir_ / "log3.txt").string());
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_FALSE(std::filesystem::exists(fresh));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "b.engine"));
}

}  // namespace
}  // namespace actrt
