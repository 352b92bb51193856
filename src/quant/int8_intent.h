// Which fused convolutions / matrix products a backend should lower to INT8, shared by the CPU
// and CUDA backends (fused nodes keep the name of the node they were built around):
//   1. a --layer-precisions entry (BuilderConfig::layer_precisions) wins;
//   2. else the precision planner's choice for the unfused node (`planned`, an INT8 build:
//      quant::prepare_int8 left it in plan.layers);
//   3. else explicit quantization: the model rounds the node's input to int8 with a Q/DQ pair
//      (passes/fold_qdq.h put that tensor's scale in `qdq_scales`).
// `value_origin` maps values a backend renamed (the CUDA backend's NHWC twins) back to the
// tensor names the scales use; null when names are unchanged.
#pragma once

#include <map>
#include <string>

#include "actrt/precision.h"
#include "ir/graph.h"

namespace actrt::quant {

struct Int8Intent {
  const std::map<std::string, Precision>* overrides = nullptr;
  std::map<std::string, Precision> planned;
  std::map<std::string, float> qdq_scales;
  const std::map<std::string, std::string>* value_origin = nullptr;
  bool operator()(const ir::Node& node) const;
};

}  // namespace actrt::quant
