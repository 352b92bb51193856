// The explicit-quantization workflow through the CLI on act-tiny: `actrt quantize` writes a Q/DQ
// model, `actrt build` (no --int8, no calibration) turns it into an engine whose convolutions
// and matrix products run on the CPU's s8 kernels, `actrt inspect ENGINE` says so, and the
// first convolution on the image is left in floating point.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace actrt {
namespace {

namespace fs = std::filesystem;

std::string source_dir() {
  const char* dir = std::getenv("ACTRT_SOURCE_DIR");
  return dir ? dir : ACTRT_SOURCE_DIR;
}

struct CliRun {
  int exit_code = -1;
  std::string output;  // stdout + stderr
};

CliRun run_actrt(const std::string& args, const fs::path& log) {
  const std::string cmd = ACTRT_CLI_LAUNCHER + std::string(ACTRT_BINARY_DIR) + "/bin/actrt " + args + " > " +
                          log.string() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream f(log);
  std::stringstream ss;
  ss << f.rdbuf();
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, ss.str()};
}

int count_lines_with(const std::string& text, const std::string& a, const std::string& b) {
  std::istringstream in(text);
  int n = 0;
  for (std::string line; std::getline(in, line);)
    n += line.find(a) != std::string::npos && line.find(b) != std::string::npos;
  return n;
}

TEST(QuantizeInt8Cli, QdqModelFromQuantizeBuildsAnInt8CpuEngine) {
  const std::string model = source_dir() + "/models/act-tiny/act-tiny.onnx";
  if (!fs::exists(model)) GTEST_SKIP() << model << " not present";
  const fs::path dir = fs::temp_directory_path() / ("actrt_quantize_int8_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string qdq = (dir / "act-tiny.qdq.onnx").string();
  const std::string engine = (dir / "act-tiny.qdq.engine").string();

  CliRun q = run_actrt("quantize " + model + " --calib-data " + source_dir() +
                           "/models/act-tiny/eval --cameras top,left_wrist --stats " + source_dir() +
                           "/models/act-tiny/stats.json --calib-samples 4 -o " + qdq,
                       dir / "quantize.log");
  ASSERT_EQ(q.exit_code, 0) << q.output;
  EXPECT_NE(q.output.find("keeping '/model/backbones.0/backbones.0.0/body/conv1/Conv' in floating point"),
            std::string::npos)
      << q.output;

  CliRun b = run_actrt("build " + qdq + " --save-engine " + engine, dir / "build.log");
  ASSERT_EQ(b.exit_code, 0) << b.output;
  EXPECT_NE(b.output.find("Q/DQ pairs folded"), std::string::npos) << b.output;

  CliRun i = run_actrt("inspect " + engine, dir / "inspect.log");
  ASSERT_EQ(i.exit_code, 0) << i.output;
  // The Q/DQ pairs differ per camera, so the trunks are not batched: 2 x 20 convolutions and 19
  // matrix products in INT8. The first convolutions (no Q/DQ) still batch into one FP32 layer.
  EXPECT_EQ(count_lines_with(i.output, "onednn.conv.s8", " int8 "), 40) << i.output;
  EXPECT_EQ(count_lines_with(i.output, "onednn.matmul.s8", " int8 "), 19) << i.output;
  EXPECT_EQ(count_lines_with(i.output, "body/conv1/Conv", " fp32 "), 1) << i.output;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace actrt
