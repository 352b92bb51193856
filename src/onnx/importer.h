// ONNX import: ModelProto (file or bytes) -> ir::Graph.
//
// Supported: ONNX IR versions 3 to 10, default-domain opsets 7 to 21 (ACT exports use IR 7-10 and
// opsets 13-21; the older ones are accepted because each op's inference and kernel follow the
// signature of the model's opset, and ONNX's own node tests use them), initializers in raw_data
// or typed fields, Constant nodes, every attribute kind, external data files (a location that
// leaves the model's folder is refused), models over 2 GB through external data. Inputs with
// symbolic dimensions get concrete shapes from ImportOptions::input_shapes.
//
// The importer only translates and validates structure; shapes of intermediate values come
// from passes::infer_shapes. No protobuf type appears in this header.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "actrt/status.h"
#include "actrt/tensor.h"
#include "ir/graph.h"

namespace actrt::onnx_import {

inline constexpr int64_t kMinIrVersion = 3;
inline constexpr int64_t kMaxIrVersion = 10;
inline constexpr int64_t kMinOpset = 7;
inline constexpr int64_t kMaxOpset = 21;

struct ImportOptions {
  // Concrete shapes for inputs, by name (replace symbolic dims; must agree with concrete ones).
  std::map<std::string, Shape> input_shapes;
};

// Parses "qpos:1x6,image:1x3x3x480x640" into ImportOptions::input_shapes form.
Result<std::map<std::string, Shape>> parse_shapes_option(std::string_view text);

Result<std::unique_ptr<ir::Graph>> import_file(const std::string& path,
                                               const ImportOptions& options = {});

// `source` names the model in messages; `base_dir` resolves external data (may be empty when
// the model has none).
Result<std::unique_ptr<ir::Graph>> import_bytes(std::string_view bytes, const std::string& source,
                                                const std::string& base_dir,
                                                const ImportOptions& options = {});

// Reads a serialized TensorProto file (ONNX's test_data_set_*/input_*.pb). Returns the tensor
// and, through `name`, its name.
Result<Tensor> read_tensor_file(const std::string& path, std::string* name = nullptr);

}  // namespace actrt::onnx_import
