// Q/DQ ONNX export: the ORIGINAL model (read again with the ONNX protobuf, untouched otherwise)
// with explicit quantization inserted from our calibration, so that ONNX Runtime and TensorRT 11
// (which dropped implicit INT8 calibration) can run it in INT8.
//
// For every Conv, MatMul and Gemm of the default domain whose input 1 is an initializer (a
// weight):
//   * the activation input 0 (when not an initializer) with a known scale > 0 goes through
//     QuantizeLinear -> DequantizeLinear (scale = the calibrated per-tensor scale, zero point an
//     int8 0); one pair per tensor, shared by all of its quantized consumers;
//   * a float initializer weight (input 1) is stored as int8 (per output channel, symmetric,
//     range [-127, 127], quant/weight_scales.h) followed by DequantizeLinear with axis 0 for Conv
//     and Gemm with transB = 1, axis 1 (the last) for MatMul and Gemm with transB = 0; the float
//     weight is dropped when nothing else reads it.
// A Conv / MatMul / Gemm whose input 1 is not an initializer (a product of two activations:
// attention's Q x K^T and softmax x V) is written unchanged, listed in kept_float: INT8 builds
// keep attention in floating point, and Q/DQ there costs accuracy that the model's users (ONNX
// Runtime, TensorRT) would then really pay (docs/quantization.md, "Q/DQ export").
// Biases and everything else stay in floating point (consumers fuse them). The model's opset must
// be >= 13 (per-axis DequantizeLinear); external data is read and stored inline.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "actrt/status.h"

namespace actrt::onnx_export {

struct QdqExportOptions {
  bool force = false;        // replace out_path if it exists
  std::string description;   // stored in the model's metadata as "actrt.quantization"
  // Nodes written unchanged (no Q/DQ on their inputs, float weights): the layers an INT8 build
  // keeps in floating point by default (quant/input_convs.h).
  std::set<std::string> keep_float;
};

struct QdqExportStats {
  int activations = 0;  // activation tensors given a Q/DQ pair
  int weights = 0;      // weights stored as int8
  int quantized_nodes = 0;
  std::vector<std::string> skipped;  // "MatMul 'x': activation 'a' has no scale"
  std::vector<std::string> kept_float;  // "MatMul 'x'": no weight (activation x activation)
};

Result<QdqExportStats> write_qdq_model(const std::string& model_path,
                                       const std::map<std::string, float>& scales,
                                       const std::string& out_path,
                                       const QdqExportOptions& options = {});

}  // namespace actrt::onnx_export
