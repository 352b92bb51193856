// Issue 20 on the CLI, each case reproduced first with build/bin/actrt: numbers that hung or
// crashed it (negative iterations, infinite durations, huge thread counts and shapes), files that
// are not regular files (a FIFO blocked for ever), options that were ignored without a word, NaN
// inputs that passed silently, and an engine whose stored dimensions were forged.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "actrt/engine.h"
#include "actrt/runners.h"
#include "cli_test_util.h"
#include "data/npz.h"
#include "engine/serialize.h"
#include "ir/graph.h"
#include "runtime/plan.h"

namespace actrt {
namespace {

namespace fs = std::filesystem;

using test::CliRun;
using test::source_dir;

class Hardening : public test::ActTinyCliTest {
 protected:
  std::string io() const { return source_dir() + "/models/act-tiny/act-tiny.io.npz"; }
  std::string eval() const { return source_dir() + "/models/act-tiny/eval"; }
  // Exit code 2 (the caller's argument) and `part` in the output.
  void expect_refused(const std::string& args, const std::string& part) {
    const CliRun r = run(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(part), std::string::npos) << args << "\n" << r.output;
  }
};

// `run --iterations -3` never ended; `bench --duration inf` (nan, --warmup-ms inf) never ended;
// `--threads 300000` crashed in libgomp and `--threads 2147483648` was read as -2147483648.
TEST_F(Hardening, NumbersAreReadWithTheirRanges) {
  expect_refused("run " + model() + " --iterations -3", "--iterations must be between 1 and");
  expect_refused("bench " + model() + " --duration inf", "--duration must be a finite number");
  expect_refused("bench " + model() + " --duration nan", "--duration must be a finite number");
  expect_refused("bench " + model() + " --warmup-ms inf", "--warmup-ms must be a finite number");
  expect_refused("bench " + model() + " --threads 300000", "--threads must be between 0 and 1024");
  expect_refused("bench " + model() + " --threads 2147483648", "got 2147483648");
  expect_refused("build " + model() + " --threads -1 --save-engine " + (dir_ / "e").string(),
                 "--threads must be between 0 and 1024");
  expect_refused("compare " + model() + " --data " + eval() + " --samples 0 --report " +
                     (dir_ / "r").string(),
                 "--samples must be between 1 and");
}

// `--shapes X:4611686018427387904` segfaulted in `run`; 2^40 elements aborted on bad_alloc.
TEST_F(Hardening, HugeShapesAreRefusedBeforeAnyAllocation) {
  expect_refused("run " + model() + " --shapes qpos:4611686018427387904x6", "actrt's limit");
  expect_refused("bench " + model() + " --shapes image:1x2x3x1048576x1048576", "actrt's limit");
}

// A FIFO given as the model blocked for ever; devices and folders are refused the same way.
TEST_F(Hardening, NonRegularFilesAreRefusedUpFront) {
  const fs::path fifo = dir_ / "model.onnx";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const char* command : {"inspect", "run", "bench", "build"}) {
    const std::string extra = std::string(command) == "build" ? " --save-engine " + (dir_ / "x").string() : "";
    const CliRun r = run(std::string(command) + " " + fifo.string() + extra);
    EXPECT_NE(r.exit_code, 0) << command << "\n" << r.output;
    EXPECT_NE(r.output.find("is not a regular file"), std::string::npos) << command << "\n" << r.output;
  }
  const CliRun dev = run("run " + model() + " --load-inputs /dev/zero");
  EXPECT_NE(dev.output.find("/dev/zero: is not a regular file"), std::string::npos) << dev.output;
  const CliRun folder = run("inspect " + dir_.string());
  EXPECT_NE(folder.output.find("is a directory"), std::string::npos) << folder.output;
}

// Options that were ignored without a word.
TEST_F(Hardening, IgnoredOptionsAreRefused) {
  const std::string engine = (dir_ / "e.engine").string();
  expect_refused("build " + model() + " --calib-data " + eval() + " --save-engine " + engine,
                 "--calib-data given without --int8");
  EXPECT_FALSE(fs::exists(engine));
  expect_refused("build " + model() + " --layer-precisions no_such_layer:fp32 --save-engine " + engine,
                 "name no layer of the model: 'no_such_layer'");
  expect_refused("run " + model() + " --atol no_such_output:1e-3",
                 "--atol no_such_output:... names no output of the model (outputs: 'actions')");
  expect_refused("build " + model() + " --timing-cache " + (dir_ / "t.cache").string() +
                     " --save-engine " + engine,
                 "times no tactics");
  ASSERT_EQ(run("build " + model() + " --save-engine " + engine + " -q").exit_code, 0);
  expect_refused("bench " + engine + " --calib-random", "--calib-random given for an engine file");
}

// NaN inputs passed through Relu (as 0) and MaxPool and infinite pixels gave finite actions,
// exit 0; a NaN input was reported only as a tolerance failure.
TEST_F(Hardening, NonFiniteInputFilesAreRefused) {
  auto arrays = data::read_npz(io());
  ASSERT_TRUE(arrays.ok()) << arrays.status().to_string();
  Tensor image = arrays->at("image").clone();
  image.data<float>()[5] = INFINITY;
  (*arrays)["image"] = image;
  const std::string bad = (dir_ / "inf.npz").string();
  ASSERT_TRUE(data::write_npz(bad, *arrays).ok());
  expect_refused("run " + model() + " --load-inputs " + bad, "input 'image' holds Inf at element 5");
}

// An engine whose stored dimensions were forged (checksum fixed up) aborted on an uncaught
// dnnl::error. Forged shapes are refused with a Status: beyond the limits when the file loads, a
// convolution oneDNN cannot create when the context is made.
TEST_F(Hardening, ForgedEngineDimensionsGiveAStatusNotAnAbort) {
  auto net = network_from_onnx_path(model());
  ASSERT_TRUE(net.ok()) << net.status().to_string();
  auto engine = engine_from_network(*net, BuilderConfig{});
  ASSERT_TRUE(engine.ok()) << engine.status().to_string();
  auto bytes = engine.value()->serialize();
  ASSERT_TRUE(bytes.ok());
  auto feed = data::read_npz(io());
  ASSERT_TRUE(feed.ok());
  const TensorMap inputs{{"qpos", feed->at("qpos")}, {"image", feed->at("image")}};
  // The first convolution's output: height + 1 (oneDNN refuses), or 2^20 times the channels
  // (beyond the limits).
  auto forge = [&](auto&& change) {
    auto plan = engine::deserialize_plan(*bytes, "forge");
    EXPECT_TRUE(plan.ok());
    for (const auto& n : plan->graph->nodes())
      if (n->op_type() == "FusedConv") {
        Shape s = n->output(0)->shape();
        change(s);
        n->output(0)->set_shape(s);
        break;
      }
    auto forged = engine::serialize_plan(*plan);  // a correct checksum over the forged shapes
    EXPECT_TRUE(forged.ok());
    return *forged;
  };
  auto huge = engine_from_bytes(forge([](Shape& s) { s[1] <<= 20; }), "huge.engine");
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.status().message().find("actrt's limit"), std::string::npos) << huge.status().message();

  auto taller = engine_from_bytes(forge([](Shape& s) { s[2] += 1; }), "taller.engine");
  ASSERT_TRUE(taller.ok()) << taller.status().to_string();  // the file itself is consistent
  auto runner = make_engine_runner([e = *taller]() -> Result<std::shared_ptr<Engine>> { return e; });
  Status s = runner->activate();
  if (s.ok()) s = runner->infer(inputs).status();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kDeviceError) << s.to_string();
  EXPECT_NE(s.message().find("oneDNN error"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace actrt
