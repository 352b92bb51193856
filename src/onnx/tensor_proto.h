// TensorProto <-> Tensor, including ONNX external data. Internal to src/onnx (uses protobuf).
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "actrt/status.h"
#include "actrt/tensor.h"

namespace actrt::onnx_import {

// Where a tensor comes from, for messages and for resolving external data.
struct TensorContext {
  std::string source;    // the model file (or "<bytes>")
  std::string base_dir;  // folder that external data locations are relative to
  std::string what;      // "initializer 'conv1.weight'"

  TensorContext with_name(std::string w) const { return {source, base_dir, std::move(w)}; }
};

// Decodes raw_data, the typed fields (float_data, int32_data, int64_data) or external data.
// External locations must stay inside base_dir; offsets/lengths are checked against the file.
Result<Tensor> tensor_from_proto(const onnx::TensorProto& proto, const TensorContext& ctx);

// Encodes a tensor as raw_data (little-endian), with the given name.
onnx::TensorProto tensor_to_proto(const Tensor& tensor, const std::string& name);

}  // namespace actrt::onnx_import
