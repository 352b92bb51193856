// Helpers for the quantization tests: in-memory data loaders and small graphs.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../passes/pass_test_util.h"
#include "actrt/data_loader.h"
#include "passes/infer_shapes.h"

namespace actrt::quant::testing {

using passes::testing::attr_i;
using passes::testing::Builder;

class VectorLoader : public DataLoader {
 public:
  explicit VectorLoader(std::vector<TensorMap> items) : items_(std::move(items)) {}
  size_t size() const override { return items_.size(); }
  Result<TensorMap> get(size_t i) const override { return items_.at(i); }
  std::vector<TensorMap>& items() { return items_; }

 private:
  std::vector<TensorMap> items_;
};

// x [1,3,6,6] -> Conv(4x3x3x3, bias) -> Relu -> Flatten -> MatMul [64,5] -> y [1,5].
// Every value is named after the node that produces it ("conv", "relu", "flat", "mm").
inline std::unique_ptr<ir::Graph> small_graph() {
  Builder b;
  ir::Value* x = b.input("x", {1, 3, 6, 6});
  ir::Value* c = b.op("Conv", "conv", {x, b.weight("w", {4, 3, 3, 3}, 1), b.weight("bias", {4}, 2)},
                      {{"pads", passes::testing::attr_is({0, 0, 0, 0})}});
  ir::Value* r = b.op("Relu", "relu", {c});
  ir::Value* f = b.op("Flatten", "flat", {r}, {{"axis", attr_i(1)}});
  ir::Value* y = b.op("MatMul", "mm", {f, b.weight("w2", {64, 5}, 3)});
  b.output(y);
  auto g = b.take();
  Status s = passes::infer_shapes(*g);
  EXPECT_TRUE(s.ok()) << s.to_string();
  return g;
}

// Seeded feeds for x with a heavy-ish tail (normal, scaled per item).
inline std::vector<TensorMap> normal_feeds(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<TensorMap> items;
  for (size_t i = 0; i < n; ++i) {
    Tensor t(DataType::kFloat32, {1, 3, 6, 6});
    const float k = 1.0f + 0.25f * static_cast<float>(i % 5);
    for (float& v : t.span<float>()) v = nd(rng) * k;
    items.push_back({{"x", t}});
  }
  return items;
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("actrt_quant_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
  static inline int counter_ = 0;
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

}  // namespace actrt::quant::testing
