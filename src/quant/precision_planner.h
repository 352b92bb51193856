// Precision planner: which precision each node of the (unfused) graph should compute in.
//
// Per node, in order:
//   1. config.layer_precisions names the node: that precision (the user knows best);
//      QuantizeLinear / DequantizeLinear (explicit quantization): INT8, their scales are inputs;
//   2. LayerNormalization: FP32 (TensorRT runs normalizations in FP32 even in FP16/INT8 builds,
//      for accuracy); Softmax: FP16 if allowed, else FP32 (floating point, never INT8);
//   2b. a Conv that reads a network input (the first convolution on an image, input_convs.h):
//      floating point as in 4 (measured as the most INT8-sensitive layer of ACT);
//   3. INT8 when config.int8, the op's QuantPolicy (ops.def) is kInt8Kernel and every
//      floating-point activation input and output has a scale > 0 (constant inputs, the weights
//      and biases, get per-channel weight scales and need none);
//   4. otherwise FP16 if config.fp16, TF32 for matrix ops (kInt8Kernel) if config.tf32, else FP32.
// For an INT8 build, every tensor that keeps a kInt8Kernel node out of INT8 for lack of a scale
// is reported once, in TensorRT's words:
//   [W] Missing scale and zero-point for tensor X, expect fall back to non-int8 implementation
//       for any layer consuming or producing given tensor
// Node names in layer_precisions that match no node are refused earlier, by the builder.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "actrt/builder_config.h"
#include "actrt/precision.h"
#include "ir/graph.h"

namespace actrt::quant {

struct PrecisionPlan {
  std::map<std::string, Precision> precisions;  // node name -> precision
  std::vector<std::string> missing_scales;       // tensors reported as missing, in graph order
  std::map<Precision, int> counts;               // nodes per precision
};

PrecisionPlan plan_precisions(const ir::Graph& graph, const std::map<std::string, float>& scales,
                              const BuilderConfig& config);

}  // namespace actrt::quant
