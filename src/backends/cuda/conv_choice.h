// How a CudaConv runs, chosen at build time like a TensorRT tactic: the fastest of cuDNN's
// graph-API engines (conv_graph.h), the legacy fused call's algorithms (conv.h) and, for FP32
// 3x3 convolutions, our Winograd F(4x4, 3x3) path (winograd.h), timed on this GPU in the
// layer's precision. With `deterministic`, nothing is timed: the first graph
// engine that cuDNN's heuristics rank and accept, else the legacy heuristic order.
#pragma once

#include <cudnn.h>

#include <functional>
#include <string>
#include <vector>

#include "actrt/precision.h"
#include "actrt/status.h"
#include "runtime/plan.h"
#include "engine/timing_cache.h"
#include "ir/graph.h"

namespace actrt::cuda {

struct ConvChoice {
  std::string tactic;  // graph-API tactic ("e12;3=1"), Winograd ("wino4x4;lt=2"), or empty
                       // for the legacy path
  int algo = -1;       // legacy cudnnConvolutionFwdAlgo_t when tactic is empty
  double ms = 0;       // measured time (0 when not timed)

  // One string for caches and logs: the tactic, or "legacy<algo>".
  std::string to_string() const;
  // Parses to_string()'s text; an error for anything else.
  static Result<ConvChoice> parse(const std::string& text);
};

// Graph tactics timed per convolution (cuDNN's heuristics rank them; the first few are nearly
// always the fastest, and each costs an execution-plan compile).
inline constexpr size_t kConvGraphTactics = 8;
inline constexpr size_t kConvMaxWorkspace = size_t{256} << 20;

Result<ConvChoice> choose_conv(cudnnHandle_t h, const ir::Node& node, Precision precision,
                               bool deterministic);

// Writes the choice into the node's attributes ("tactic", "algo"), which the engine stores.
void apply_conv_choice(ir::Node& node, const ConvChoice& choice, bool timed);

// Chooses every CudaConv of `plan` (in the precision plan.layers gives it). Convolutions of equal
// geometry (ACT's repeated ResNet blocks) are timed once, and not at all when `cache` (may be
// null) holds them. Returns how many geometries were timed.
// With `int8_rejected` set, an INT8 convolution that no cuDNN engine runs on this GPU does not
// fail the call: its name is added there (and it gets no tactic), so that the caller can
// rebuild with it in floating point.
Result<int> choose_conv_tactics(runtime::Plan& plan, engine::TimingCache* cache,
                                bool deterministic,
                                std::vector<std::string>* int8_rejected = nullptr);

// Test hook: INT8 convolutions for which `reject` returns true are handled as if no cuDNN engine
// ran them on this GPU (what some geometries get off the H100), so that the builder's INT8 ->
// FP16 / FP32 fallback and its warning can be tested on any GPU
// (tests/ops/cuda_int8_fallback_test.cc). An empty function (the default) turns it off. Set it
// only while no build runs.
void set_int8_conv_rejection_for_testing(std::function<bool(const ir::Node&)> reject);

}  // namespace actrt::cuda
