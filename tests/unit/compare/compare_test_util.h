// Helpers shared by the compare tests: a tiny fake Runner, an in-memory loader, scratch folders.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include "actrt/runner.h"

namespace actrt::compare::testing {

// y = x * scale + offset for input "x" (f32, 2x3); output "y" (same shape) and "sum" (f32, [1]).
class FakeRunner : public Runner {
 public:
  FakeRunner(std::string name, float scale = 1, float offset = 0, double ms = 1.5)
      : Runner(std::move(name)), scale_(scale), offset_(offset), ms_(ms) {}
  Status activate() override {
    if (active_) return invalid_argument(name_ + ": already active");
    active_ = true;
    ++activations;
    return ok_status();
  }
  Status deactivate() override {
    active_ = false;
    ++deactivations;
    return ok_status();
  }
  Result<TensorMap> infer(const TensorMap& feed) override {
    if (!active_) return invalid_argument("runner '" + name_ + "' is not active");
    RETURN_IF_ERROR(check_feed(name_, input_metadata(), feed));
    const Tensor& x = feed.at("x");
    seen_inputs.push_back(x.clone());
    Tensor y(DataType::kFloat32, x.shape());
    Tensor sum(DataType::kFloat32, {1});
    for (int64_t i = 0; i < x.numel(); ++i) {
      y.data<float>()[i] = x.data<float>()[i] * scale_ + offset_;
      sum.data<float>()[0] += y.data<float>()[i];
    }
    last_ms_ = ms_ + 0.25 * static_cast<double>(seen_inputs.size());
    return TensorMap{{"y", y}, {"sum", sum}};
  }
  std::vector<TensorInfo> input_metadata() const override {
    return {{"x", DataType::kFloat32, {2, 3}}};
  }

  int activations = 0, deactivations = 0;
  std::vector<Tensor> seen_inputs;

 private:
  float scale_, offset_;
  double ms_;
};

// Item i: x = i + k/10 for element k.
class CountingLoader : public DataLoader {
 public:
  explicit CountingLoader(size_t n) : n_(n) {}
  size_t size() const override { return n_; }
  Result<TensorMap> get(size_t i) const override {
    Tensor x(DataType::kFloat32, {2, 3});
    for (int64_t k = 0; k < 6; ++k)
      x.data<float>()[k] = static_cast<float>(i) + static_cast<float>(k) / 10.0f + 1.0f;
    return TensorMap{{"x", x}};
  }

 private:
  size_t n_;
};

class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("actrt_compare_" + std::string(info ? info->name() : "x") + "_" +
             std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace actrt::compare::testing
