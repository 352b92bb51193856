// Element types that flow through actrt graphs and engines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace actrt {

// Values match ONNX TensorProto.DataType so that import and export need no table.
enum class DataType : int32_t {
  kUndefined = 0,
  kFloat32 = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kInt32 = 6,
  kInt64 = 7,
  kBool = 9,
  kFloat16 = 10,
  kBFloat16 = 16,
};

// Bytes per element (0 for kUndefined).
size_t dtype_size(DataType t);
// "f32", "f16", "bf16", "i8", "u8", "i32", "i64", "bool", "undefined".
std::string_view dtype_name(DataType t);
// Parses dtype_name() output; nullopt when unknown.
std::optional<DataType> dtype_from_name(std::string_view name);
// Maps an ONNX TensorProto.DataType number; nullopt for types actrt does not support.
std::optional<DataType> dtype_from_onnx(int32_t onnx_type);
// The ONNX type's name for messages ("DOUBLE", "STRING", ...), also for unsupported ones.
std::string_view onnx_dtype_name(int32_t onnx_type);
bool is_floating(DataType t);

}  // namespace actrt
