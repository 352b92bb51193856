// Loads an engine file and runs it once on seeded inputs, with the runtime-only library
// (actrt::runtime): what a robot's control program does with a policy built by `actrt build`.
//
//   consumer ENGINE
//
// Prints the backend, each output's shape and a checksum; exit code 0 on success, 1 on any error
// (printed with its context), 2 on bad usage.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "actrt/engine.h"
#include "actrt/runner.h"
#include "actrt/runners.h"
#include "actrt/status.h"
#include "actrt/tensor.h"

namespace {

// Floats in [0, 1) from a seeded LCG: deterministic, never all zeros.
actrt::Tensor make_input(const actrt::TensorInfo& info, uint64_t seed) {
  actrt::Tensor t(info.dtype, info.shape);
  if (info.dtype == actrt::DataType::kFloat32) {
    uint64_t state = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    for (float& x : t.span<float>()) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      x = static_cast<float>(state >> 40) / static_cast<float>(1ULL << 24);
    }
  }
  return t;
}

actrt::Status run(const std::string& engine_path) {
  ASSIGN_OR_RETURN(auto engine, actrt::engine_from_path(engine_path));
  std::printf("Loaded %s (backend %s, %zu layers)\n", engine_path.c_str(),
              std::string(actrt::backend_name(engine->backend())).c_str(),
              engine->layers().size());

  auto runner = actrt::make_engine_runner(
      [engine]() -> actrt::Result<std::shared_ptr<actrt::Engine>> { return engine; });
  RETURN_IF_ERROR(runner->activate());
  actrt::TensorMap feed;
  uint64_t seed = 1;
  for (const actrt::TensorInfo& info : runner->input_metadata())
    feed.emplace(info.name, make_input(info, seed++));
  ASSIGN_OR_RETURN(actrt::TensorMap outputs, runner->infer(feed));
  RETURN_IF_ERROR(runner->deactivate());

  for (const auto& [name, tensor] : outputs) {
    double sum = 0, abs_sum = 0;
    bool finite = true;
    if (tensor.dtype() == actrt::DataType::kFloat32) {
      for (float x : tensor.span<const float>()) {
        sum += x;
        abs_sum += std::fabs(x);
        finite = finite && std::isfinite(x);
      }
    }
    std::printf("%s: %s sum %.6f |sum| %.6f%s\n", name.c_str(),
                actrt::shape_to_string(tensor.shape()).c_str(), sum, abs_sum,
                finite ? "" : " NOT FINITE");
    if (!finite) return actrt::internal_error(name + ": output is not finite");
  }
  return actrt::ok_status();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer ENGINE\n");
    return 2;
  }
  const actrt::Status status = run(argv[1]);
  if (!status.ok()) {
    std::fprintf(stderr, "[E] %s\n", status.to_string().c_str());
    return 1;
  }
  return 0;
}
