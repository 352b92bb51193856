// How to build an engine: backend, precisions, calibration, shapes, threads, seed.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actrt/precision.h"
#include "actrt/tensor.h"

namespace actrt {

class Calibrator;  // include/actrt/calibrator.h (INT8)

struct BuilderConfig {
  BackendKind backend = BackendKind::kCpu;
  // Allowed precisions beyond FP32 (like TensorRT's builder flags). Layers pick the fastest
  // allowed precision that they support; LayerNorm and Softmax stay in floating point.
  bool tf32 = false;  // GPU matrix math in TF32 (Polygraphy's default is off; so is ours)
  bool fp16 = false;
  // GPU matrix products (Gemm / MatMul) in BF16 with FP32 accumulation; the other layers keep
  // FP32 (or FP16 with fp16). The CPU backend has no BF16 kernels.
  bool bf16 = false;
  bool int8 = false;
  // INT8 scales come from here (calibration on data, or a cache file).
  std::shared_ptr<Calibrator> calibrator;
  // Per-layer overrides by node name: "encoder/layer0/norm1" -> kFp32.
  std::map<std::string, Precision> layer_precisions;
  // CPU threads for the engine (0: the usable cores but one, docs/guide.md).
  int threads = 0;
  // Seed for anything random during the build (calibration sampling, tactic tie-breaks).
  uint64_t seed = 1;
  // GPU: pick kernels without timing them (reproducible across machines, maybe slower).
  bool deterministic = false;
  // GPU: file to read/write kernel timing results so that rebuilds are fast ("" = none).
  std::string timing_cache_path;
  // Backend passes to skip by name (`actrt inspect MODEL --list-passes --backend B` lists them;
  // the CLI's --disable-pass fills this and NetworkOptions::disabled_passes alike). Graph pass
  // names are allowed and ignored here; unknown names and passes the backend needs for correct
  // results are refused by the build.
  std::vector<std::string> disabled_passes;
};

}  // namespace actrt
