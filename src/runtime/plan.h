// A Plan is what the builder produces and an engine file stores: the final graph for one
// backend, the kernel and precision of every node, INT8 scales and build metadata.
//
// The final graph holds ONNX ops and backend-fused ops of domain "actrt" (for example a Conv
// with fused bias, ReLU and residual add). Weights are its constants, already converted to the
// precision each kernel reads (FP16 copies, INT8 values with per-channel scales); layouts that
// depend on the exact CPU (oneDNN blocked formats) are produced from them when a context is
// created, which takes milliseconds.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "actrt/precision.h"
#include "ir/graph.h"

namespace actrt::runtime {

// Domain of backend-fused nodes in a plan's graph.
inline constexpr const char* kFusedDomain = "actrt";

struct LayerChoice {
  std::string kernel;  // backend kernel name, e.g. "onednn.conv", "cudnn.conv.fwd_algo3"
  Precision precision = Precision::kFp32;
};

struct Plan {
  BackendKind backend = BackendKind::kCpu;
  // The machine the plan was built for; the backend checks it on load (see Backend).
  std::string target;
  std::unique_ptr<ir::Graph> graph;
  std::map<std::string, LayerChoice> layers;   // by node name; every node has an entry
  std::map<std::string, float> int8_scales;    // tensor name -> scale (amax / 127)
  std::map<std::string, std::string> metadata; // build settings, for `actrt inspect ENGINE`

  // A deep copy (the graph cloned, its constants shared by storage), e.g. to compile a trial.
  Plan clone() const {
    Plan p;
    p.backend = backend;
    p.target = target;
    p.graph = graph ? graph->clone() : nullptr;
    p.layers = layers;
    p.int8_scales = int8_scales;
    p.metadata = metadata;
    return p;
  }
};

}  // namespace actrt::runtime
