// `actrt compare --torch`: the PyTorch row, through python/torch_runner.py in a subprocess.
//
// The inputs of every evaluation sample are stacked into OUT/torch/inputs.npz (qpos [N,..],
// image [N,..]); the helper runs the same policy in PyTorch (weights from <model>.pt next to the
// model, or recovered from the ONNX initializers) on each sample with batch 1, times repeated runs,
// and writes OUT/torch/outputs.npz (actions [N,chunk,D]) and OUT/torch/timings.json
// ({"latency_ms": [...], "device": ..., "torch_version": ...}). Python: /usr/bin/python3 when it
// exists (Debian's, with torch), else python3 on PATH; $ACTRT_PYTHON overrides both.
#pragma once

#include <string>
#include <vector>

#include "actrt/data_loader.h"
#include "actrt/precision.h"
#include "actrt/status.h"

namespace actrt::cli::compare_cli {

struct TorchRunOptions {
  std::string model_path;
  std::string script;  // torch_runner.py ("" = find it: see find_torch_runner)
  std::string work_dir;  // OUT/torch
  BackendKind backend = BackendKind::kCpu;
  int threads = 0;  // 0: the default of core/thread_policy.h (usable cores but one)
  int repeat = 5;   // timed runs per sample
  std::string qpos_name, image_name;
};

struct TorchRunResult {
  std::vector<Tensor> actions;      // per sample, [1,chunk,D]
  std::vector<double> latency_ms;   // every timed run
  std::string description;          // "torch 1.13.0 cpu, 2 threads"
};

// python/torch_runner.py relative to the executable (build/bin/actrt -> ../../python), then to
// the current directory; "" when not found.
std::string find_torch_runner();
std::string find_python();

// Runs the helper. Any failure (no python, no torch, a weight-recovery error) comes back as a
// Status whose message says why, for the report's note.
Result<TorchRunResult> run_torch(const std::vector<TensorMap>& feeds, const TorchRunOptions& options);

}  // namespace actrt::cli::compare_cli
