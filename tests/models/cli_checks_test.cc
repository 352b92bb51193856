// The CLI's checks and messages a new user ran into (issue 18), on act-tiny: cameras from
// <model>.config.json for build, a camera count that does not match refused before calibration,
// an existing output refused before any work, --int8 without any scales refused, an engine given
// to `run` as MODEL, `run --reference --save-outputs` saving the oracle's outputs, the graph in
// `inspect --format json --dump-graph`, and the wording of passes that add nodes and of bench's
// warm-up.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "cli_test_util.h"
#include "core/json.h"

namespace actrt {
namespace {

namespace fs = std::filesystem;

using test::CliRun;
using test::read_file;
using test::source_dir;

class CliChecks : public test::ActTinyCliTest {
 protected:
  std::string eval() const { return source_dir() + "/models/act-tiny/eval"; }
  // act-tiny.onnx copied alone into the test's folder (no .config.json beside it).
  std::string lone_model() const {
    const fs::path copy = dir_ / "lone.onnx";
    if (!fs::exists(copy)) fs::copy_file(model(), copy);
    return copy.string();
  }
  std::string fp32_engine() {
    const std::string engine = (dir_ / "fp32.engine").string();
    if (!fs::exists(engine)) {
      const CliRun b = run("build " + model() + " --save-engine " + engine + " -q");
      EXPECT_EQ(b.exit_code, 0) << b.output;
    }
    return engine;
  }
};

TEST_F(CliChecks, BuildReadsCamerasFromModelConfig) {
  const std::string engine = (dir_ / "int8.engine").string();
  // The bundled model has act-tiny.config.json beside it: no --cameras needed.
  const CliRun with_config = run("build " + model() + " --int8 --calib-data " + eval() +
                                 " --calib-samples 2 --save-engine " + engine);
  ASSERT_EQ(with_config.exit_code, 0) << with_config.output;
  EXPECT_NE(with_config.output.find("Calibration cameras from " + source_dir() +
                                    "/models/act-tiny/act-tiny.config.json"),
            std::string::npos)
      << with_config.output;
  // The same model alone: neither --cameras nor a config, and the message says both.
  const CliRun lone = run("build " + lone_model() + " --int8 --calib-data " + eval() +
                          " --calib-samples 2 --save-engine " + (dir_ / "lone.engine").string());
  EXPECT_EQ(lone.exit_code, 2) << lone.output;
  EXPECT_NE(lone.output.find("pass --cameras"), std::string::npos) << lone.output;
  EXPECT_NE(lone.output.find("lone.config.json"), std::string::npos) << lone.output;
}

TEST_F(CliChecks, CameraCountMismatchFailsBeforeCalibration) {
  const std::string engine = (dir_ / "int8.engine").string();
  const CliRun r = run("build " + model() + " --int8 --calib-data " + eval() +
                       " --cameras top --calib-samples 2 --save-engine " + engine);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--cameras gives 1 camera(s) (top)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("takes 2 (dimension 1)"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("Calibration data:"), std::string::npos) << "calibration started:\n" << r.output;
  EXPECT_FALSE(fs::exists(engine));
  // quantize reads the cameras the same way, and checks them the same way.
  const CliRun q = run("quantize " + model() + " --calib-data " + eval() +
                       " --cameras top --calib-samples 2 -o " + (dir_ / "q.onnx").string());
  EXPECT_EQ(q.exit_code, 2) << q.output;
  EXPECT_NE(q.output.find("takes 2 (dimension 1)"), std::string::npos) << q.output;
}

TEST_F(CliChecks, ExistingOutputIsRefusedBeforeAnyWork) {
  const fs::path engine = dir_ / "exists.engine";
  std::ofstream(engine) << "keep";
  const CliRun b = run("build " + model() + " --int8 --calib-data " + eval() +
                       " --calib-samples 2 --save-engine " + engine.string());
  EXPECT_EQ(b.exit_code, 2) << b.output;
  EXPECT_NE(b.output.find("--save-engine " + engine.string() + ": already exists"), std::string::npos)
      << b.output;
  EXPECT_EQ(b.output.find("Calibration data:"), std::string::npos) << "work started:\n" << b.output;
  EXPECT_EQ(b.output.find("Built"), std::string::npos) << "work started:\n" << b.output;
  EXPECT_EQ(read_file(engine), "keep");

  const fs::path qdq = dir_ / "exists.qdq.onnx";
  std::ofstream(qdq) << "keep";
  const CliRun q = run("quantize " + model() + " --calib-data " + eval() + " --calib-samples 2 -o " +
                       qdq.string());
  EXPECT_EQ(q.exit_code, 2) << q.output;
  EXPECT_NE(q.output.find("already exists"), std::string::npos) << q.output;
  EXPECT_EQ(q.output.find("Calibration data:"), std::string::npos) << "work started:\n" << q.output;
  EXPECT_EQ(read_file(qdq), "keep");
}

TEST_F(CliChecks, Int8WithoutAnyScalesIsAnError) {
  const std::string engine = (dir_ / "int8.engine").string();
  const CliRun r = run("build " + model() + " --int8 --save-engine " + engine);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no Q/DQ nodes and no calibration was given"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("[W] Missing scale"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(engine));
  const CliRun bench = run("bench " + model() + " --int8 --iterations 1 --duration 0");
  EXPECT_EQ(bench.exit_code, 2) << bench.output;
  EXPECT_NE(bench.output.find("no Q/DQ nodes"), std::string::npos) << bench.output;
  // run has no calibration options: it says how to get a calibrated engine instead.
  const CliRun run_int8 = run("run " + model() + " --int8 --reference");
  EXPECT_EQ(run_int8.exit_code, 2) << run_int8.output;
  EXPECT_NE(run_int8.output.find("pass it with --engine"), std::string::npos) << run_int8.output;
  EXPECT_EQ(run_int8.output.find("[W] Missing scale"), std::string::npos) << run_int8.output;
}

TEST_F(CliChecks, RunTakesAnEngineAsModel) {
  const std::string engine = fp32_engine();
  const std::string outputs = (dir_ / "engine_outputs.npz").string();
  const CliRun r = run("run " + engine + " --save-outputs " + outputs);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("not a valid ONNX model"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Saved outputs of runner '" + engine + "'"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(outputs));
  // The engine against itself loaded a second time: identical outputs.
  const CliRun twice = run("run " + engine + " --engine " + engine);
  EXPECT_EQ(twice.exit_code, 0) << twice.output;
  EXPECT_NE(twice.output.find("PASSED"), std::string::npos) << twice.output;
  // No network: no reference executor, and the message says where it comes from.
  const CliRun ref = run("run " + engine + " --reference");
  EXPECT_EQ(ref.exit_code, 2) << ref.output;
  EXPECT_NE(ref.output.find("--reference needs the ONNX model"), std::string::npos) << ref.output;
}

TEST_F(CliChecks, RunReferenceSavesTheReferenceOutputs) {
  const std::string outputs = (dir_ / "reference.npz").string();
  const CliRun r = run("run " + model() + " --reference --save-outputs " + outputs);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Saved outputs of runner 'reference'"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(outputs));
  // Without --reference the first runner's (here the engine's), as before.
  const CliRun e = run("run " + model() + " --engine " + fp32_engine() + " --save-outputs " +
                       (dir_ / "first.npz").string());
  ASSERT_EQ(e.exit_code, 0) << e.output;
  EXPECT_NE(e.output.find("Saved outputs of runner '" + fp32_engine() + "'"), std::string::npos)
      << e.output;
}

TEST_F(CliChecks, InspectJsonDumpGraphHoldsTheGraph) {
  const CliRun with_graph = run("inspect " + model() + " --format json --dump-graph -q");
  ASSERT_EQ(with_graph.exit_code, 0) << with_graph.output;
  Result<Json> json = parse_json(with_graph.output, "inspect --format json --dump-graph");
  ASSERT_TRUE(json.ok()) << json.status().to_string() << "\n" << with_graph.output;
  ASSERT_TRUE(json->contains("graph")) << with_graph.output;
  ASSERT_TRUE((*json)["graph"].is_array());
  EXPECT_GT((*json)["graph"].size(), 100u);  // act-tiny: ~160 nodes after optimization
  const CliRun without = run("inspect " + model() + " --format json -q");
  ASSERT_EQ(without.exit_code, 0) << without.output;
  Result<Json> plain = parse_json(without.output, "inspect --format json");
  ASSERT_TRUE(plain.ok()) << without.output;
  EXPECT_FALSE(plain->contains("graph"));
}

TEST_F(CliChecks, PassesThatAddNodesSayAdded) {
  const CliRun r = run("inspect " + model());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(std::regex_search(r.output, std::regex("removed +-[0-9]"))) << r.output;
  // fuse_matmul_add splits MatMul+Add into Gemm with reshapes on act-tiny.
  EXPECT_TRUE(std::regex_search(r.output, std::regex("fuse_matmul_add +added +[0-9]+ nodes")))
      << r.output;
}

TEST_F(CliChecks, BenchWarmUpIsPrintedAsGivenAndWarningsOnce) {
  const CliRun r = run("bench " + fp32_engine() + " --iterations 3 --duration 0 --warmup-ms 20");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Warm-up 20 ms, then >= 3 iterations and >= 0 s"), std::string::npos)
      << r.output;
  // Three timed runs usually vary by more than 2.5 %: the stability warning, when it comes,
  // comes once (it was logged and printed in the summary).
  size_t count = 0;
  for (size_t at = r.output.find("coefficient of variation"); at != std::string::npos;
       at = r.output.find("coefficient of variation", at + 1))
    ++count;
  EXPECT_LE(count, 1u) << r.output;
}

// The build summary names the precisions the layers run in, not the build flags: a Q/DQ model
// built without --int8 runs INT8 layers and says so.
TEST_F(CliChecks, SummaryNamesThePrecisionsTheLayersRunIn) {
  const std::string qdq = (dir_ / "act-tiny.qdq.onnx").string();
  const CliRun q = run("quantize " + model() + " --calib-random --calib-samples 2 -o " + qdq);
  ASSERT_EQ(q.exit_code, 0) << q.output;
  const CliRun b = run("build " + qdq + " --save-engine " + (dir_ / "qdq.engine").string());
  ASSERT_EQ(b.exit_code, 0) << b.output;
  EXPECT_NE(b.output.find("engine (fp32, int8)"), std::string::npos) << b.output;
  const CliRun f = run("build " + model() + " --save-engine " + (dir_ / "fp32.engine").string());
  ASSERT_EQ(f.exit_code, 0) << f.output;
  EXPECT_NE(f.output.find("engine (fp32)"), std::string::npos) << f.output;
}

}  // namespace
}  // namespace actrt
