// The seed's flow (Polygraphy + TensorRT in Python) with actrt's public API only:
//
//   network = NetworkFromOnnxPath("act.onnx")              -> actrt::network_from_onnx_path
//   engine  = engine_from_network(network, config)          -> actrt::engine_from_network
//   save_engine(engine, "act.engine")                       -> actrt::save_engine
//   engine  = engine_from_bytes(bytes_from_path(...))       -> actrt::engine_from_path
//   with TrtRunner(engine) as runner: runner.infer(feed)    -> make_engine_runner + RunnerActivation
//
//   example_seed_flow MODEL.onnx ENGINE_OUT [--fp16] [--backend cpu|cuda]
//
// Prints each output's shape and a checksum (sum and sum of |x|), so two runs (or two machines)
// can be compared at a glance. Exit code 0 on success, 1 on any error (printed with its context).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include "actrt/builder_config.h"
#include "actrt/engine.h"
#include "actrt/network.h"
#include "actrt/runner.h"
#include "actrt/runners.h"
#include "actrt/status.h"
#include "actrt/tensor.h"

namespace {

// Deterministic inputs without any internal header: floats in [0, 1) from a 64-bit LCG (the
// values are arbitrary; what matters is that they are seeded and never all zeros).
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

actrt::Status run(const std::string& model, const std::string& engine_path, bool fp16,
                  actrt::BackendKind backend) {
  // 1. Import and optimize the ONNX model.
  ASSIGN_OR_RETURN(actrt::Network network, actrt::network_from_onnx_path(model));
  std::printf("Imported %s: %zu inputs, %zu outputs\n", model.c_str(), network.inputs().size(),
              network.outputs().size());

  // 2. Build an engine (backend and precisions as TensorRT's builder flags).
  actrt::BuilderConfig config;
  config.backend = backend;
  config.fp16 = fp16;
  ASSIGN_OR_RETURN(auto built, actrt::engine_from_network(network, config));

  // 3. Save it, then load it back, as a deployment would (the file is the artifact).
  RETURN_IF_ERROR(actrt::save_engine(*built, engine_path, /*overwrite=*/true));
  ASSIGN_OR_RETURN(auto engine, actrt::engine_from_path(engine_path));
  std::printf("Saved and reloaded %s (backend %s, target %s, %zu layers)\n", engine_path.c_str(),
              std::string(actrt::backend_name(engine->backend())).c_str(),
              engine->target().c_str(), engine->layers().size());

  // 4. Infer with a runner; RunnerActivation activates it and deactivates it at scope exit.
  auto runner = actrt::make_engine_runner(
      [engine]() -> actrt::Result<std::shared_ptr<actrt::Engine>> { return engine; });
  actrt::RunnerActivation active(*runner);
  RETURN_IF_ERROR(active.status());
  actrt::TensorMap feed;
  uint64_t seed = 1;
  for (const auto& in : runner->input_metadata()) feed[in.name] = make_input(in, seed++);
  ASSIGN_OR_RETURN(actrt::TensorMap outputs, runner->infer(feed));
  std::printf("Inference by runner '%s' took %.3f ms\n", runner->name().c_str(),
              runner->last_inference_time_ms());

  // 5. Shapes and checksums of the outputs.
  for (const auto& [name, t] : outputs) {
    double sum = 0, abs_sum = 0;
    bool finite = true;
    if (t.dtype() == actrt::DataType::kFloat32) {
      for (float x : t.span<float>()) {
        sum += x;
        abs_sum += std::fabs(x);
        finite = finite && std::isfinite(x);
      }
    }
    std::printf("output %s: shape %s, sum %.6g, sum|x| %.6g%s\n", name.c_str(),
                actrt::shape_to_string(t.shape()).c_str(), sum, abs_sum,
                finite ? "" : " (NOT FINITE)");
    if (!finite) return actrt::internal_error("output " + name + " holds NaN or Inf");
  }
  return actrt::ok_status();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL.onnx ENGINE_OUT [--fp16] [--backend cpu|cuda]\n", argv[0]);
    return 2;
  }
  bool fp16 = false;
  actrt::BackendKind backend = actrt::BackendKind::kCpu;
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--fp16") {
      fp16 = true;
    } else if (a == "--backend" && i + 1 < argc) {
      auto b = actrt::backend_from_name(argv[++i]);
      if (!b) {
        std::fprintf(stderr, "unknown backend '%s' (cpu, cuda)\n", argv[i]);
        return 2;
      }
      backend = *b;
    } else {
      std::fprintf(stderr, "unknown argument '%s'\n", a.c_str());
      return 2;
    }
  }
  actrt::Status s = run(argv[1], argv[2], fp16, backend);
  if (!s.ok()) {
    std::fprintf(stderr, "[E] %s\n", s.to_string().c_str());
    return 1;
  }
  return 0;
}
