// The convolutions that read a network input directly (the first convolution of each image path),
// which INT8 builds keep in floating point by default.
//
// Why: on act-tiny this layer is the most INT8-sensitive one (docs/quantization.md). Its input is
// the normalized image, whose values are spread evenly up to the extremes: every pixel matters,
// and entropy calibration clips the range to 0.37-0.75 of the max. Quantizing that conv alone,
// with the per-camera scale of a Q/DQ model, raised the policy's L1 from 0.113 to 0.162 (FP32
// 0.1125). It has only 3 input channels, so INT8 gains little there; TensorRT users keep it in
// FP16/FP32 for the same reason. `--layer-precisions NAME:int8` still quantizes it.
//
// "Reads a network input": its activation input is computed from a graph input through nodes that
// are not Conv, MatMul or Gemm (normalization, slicing, concatenation, reshapes); Q/DQ nodes are
// looked through. The matrix product on qpos is not included: quantizing it did not change L1.
#pragma once

#include <set>
#include <string>

#include "ir/graph.h"

namespace actrt::quant {

// Names of the Conv nodes of `graph` that read a network input.
std::set<std::string> input_convs(const ir::Graph& graph);

}  // namespace actrt::quant
