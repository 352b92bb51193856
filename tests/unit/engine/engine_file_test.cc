// Engine files: deterministic bytes, byte-identical round trips, and clear errors for every kind
// of bad file (wrong magic, newer version, truncation, flipped bit, another target).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <cstring>
#include <unistd.h>

#include "actrt/engine.h"
#include "runtime/backend.h"
#include "engine/format.h"
#include "engine/serialize.h"
#include "ir/graph.h"

namespace fs = std::filesystem;
using namespace actrt;

namespace {

// y = Relu(Conv(x, w) + b) with a few attribute kinds, built by hand (no backend needed).
runtime::Plan small_plan(const std::string& target = "x86_64:test") {
  runtime::Plan plan;
  plan.backend = BackendKind::kCpu;
  plan.target = target;
  plan.graph = std::make_unique<ir::Graph>();
  ir::Graph& g = *plan.graph;
  g.set_name("small");
  ir::Value* x = g.add_value("x");
  x->set_dtype(DataType::kFloat32);
  x->set_shape({1, 2, 5, 5});
  g.inputs().push_back(x);
  std::vector<float> w(3 * 2 * 3 * 3);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.01f * static_cast<float>(i) - 0.2f;
  ir::Value* wv = g.add_constant("w", Tensor::from_vector(DataType::kFloat32, {3, 2, 3, 3}, w));
  ir::Value* bv = g.add_constant("b", Tensor::from_vector<float>(DataType::kFloat32, {3}, {0.1f, -0.2f, 0.3f}));
  ir::Value* y = g.add_value("y");
  y->set_dtype(DataType::kFloat32);
  y->set_shape({1, 3, 5, 5});
  ir::Node* conv = g.add_node("conv0", "Conv", {x, wv, bv}, {y});
  conv->set_attribute("pads", ir::Attribute::from_ints({1, 1, 1, 1}));
  conv->set_attribute("auto_pad", ir::Attribute::from_string("NOTSET"));
  conv->set_attribute("alpha", ir::Attribute::from_float(0.5f));
  ir::Value* z = g.add_value("z");
  z->set_dtype(DataType::kFloat32);
  z->set_shape({1, 3, 5, 5});
  g.add_node("relu0", "Relu", {y}, {z});
  g.outputs().push_back(z);
  plan.layers["conv0"] = {"test.conv", Precision::kFp32};
  plan.layers["relu0"] = {"test.relu", Precision::kFp16};
  plan.int8_scales["y"] = 0.0078759f;
  plan.metadata["precisions"] = "fp32,fp16";
  return plan;
}

std::string serialize(const runtime::Plan& p) {
  auto bytes = engine::serialize_plan(p);
  EXPECT_TRUE(bytes.ok()) << bytes.status().to_string();
  return bytes.ok() ? bytes.value() : "";
}

}  // namespace

TEST(EngineFile, SameInputsGiveIdenticalBytes) {
  EXPECT_EQ(serialize(small_plan()), serialize(small_plan()));
}

TEST(EngineFile, SaveLoadSaveIsByteIdentical) {
  const std::string first = serialize(small_plan());
  auto plan = engine::deserialize_plan(first, "mem");
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  EXPECT_EQ(serialize(plan.value()), first);
  EXPECT_EQ(plan->layers.at("relu0").precision, Precision::kFp16);
  EXPECT_FLOAT_EQ(plan->int8_scales.at("y"), 0.0078759f);
  const Tensor& w = plan->graph->find_value("w")->constant();
  EXPECT_FLOAT_EQ(w.data<float>()[5], 0.01f * 5 - 0.2f);
  EXPECT_EQ(plan->graph->nodes()[0]->attributes().at("pads").ints, (std::vector<int64_t>{1, 1, 1, 1}));
}

TEST(EngineFile, WeightsAreAligned) {
  const std::string bytes = serialize(small_plan());
  auto plan = engine::deserialize_plan(bytes, "mem");
  ASSERT_TRUE(plan.ok());
  // The weight offsets in the file are multiples of 64: find the first weight's bytes.
  const Tensor& w = plan->graph->find_value("w")->constant();
  const std::string needle(static_cast<const char*>(w.raw_data()), w.nbytes());
  const size_t at = bytes.find(needle);
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(at % engine::format::kWeightAlignment, 0u);
}

TEST(EngineFileBadInput, WrongMagic) {
  std::string bytes = serialize(small_plan());
  bytes[0] = 'X';
  auto plan = engine::deserialize_plan(bytes, "foreign.engine");
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("foreign.engine: not an actrt engine"), std::string::npos)
      << plan.status().message();
}

TEST(EngineFileBadInput, NewerFormatVersion) {
  std::string bytes = serialize(small_plan());
  const uint32_t v = engine::format::kFormatVersion + 1;
  std::memcpy(bytes.data() + 8, &v, 4);
  auto plan = engine::deserialize_plan(bytes, "new.engine");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kVersionMismatch);
  EXPECT_NE(plan.status().message().find("version 2"), std::string::npos) << plan.status().message();
  EXPECT_NE(plan.status().message().find("newer"), std::string::npos);
}

TEST(EngineFileBadInput, Truncation) {
  const std::string bytes = serialize(small_plan());
  for (size_t cut : {size_t{4}, size_t{100}, bytes.size() / 2, bytes.size() - 1}) {
    auto plan = engine::deserialize_plan(std::string_view(bytes).substr(0, cut), "cut.engine");
    ASSERT_FALSE(plan.ok()) << "cut at " << cut;
    EXPECT_NE(plan.status().message().find("cut.engine"), std::string::npos);
  }
  auto plan = engine::deserialize_plan(std::string_view(bytes).substr(0, bytes.size() - 8), "cut.engine");
  EXPECT_NE(plan.status().message().find("truncated"), std::string::npos) << plan.status().message();
}

TEST(EngineFileBadInput, EveryFlippedBitIsCaught) {
  const std::string bytes = serialize(small_plan());
  // Every byte after the magic (bytes 8..31 are checked field by field, the rest by checksum).
  for (size_t i = 8; i < bytes.size(); i += 3) {
    std::string bad = bytes;
    bad[i] ^= 0x10;
    auto plan = engine::deserialize_plan(bad, "flip.engine");
    EXPECT_FALSE(plan.ok()) << "flipped byte " << i << " went unnoticed";
  }
}

TEST(EngineFileBadInput, AnotherCpuTargetIsRefused) {
  if (!runtime::find_backend(BackendKind::kCpu)) GTEST_SKIP() << "CPU backend not built";
  const std::string bytes = serialize(small_plan("x86_64:avx512f,no_such_isa_feature"));
  auto e = engine_from_bytes(bytes, "other-cpu.engine");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("other-cpu.engine"), std::string::npos) << e.status().message();
}

TEST(EngineFileBadInput, SaveRefusesToOverwrite) {
  const fs::path path = fs::temp_directory_path() / ("actrt_engine_" + std::to_string(::getpid()));
  { std::ofstream(path) << "user data"; }
  Engine engine(std::make_unique<runtime::Plan>(small_plan()));
  Status s = save_engine(engine, path.string());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("refusing to overwrite"), std::string::npos);
  std::ifstream in(path);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "user data");
  EXPECT_TRUE(save_engine(engine, path.string(), /*overwrite=*/true).ok());
  auto loaded = engine::deserialize_plan(bytes_from_path(path.string()).value(), path.string());
  EXPECT_TRUE(loaded.ok());
  fs::remove(path);
}
