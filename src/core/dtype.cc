#include "actrt/dtype.h"

#include <array>

namespace actrt {
namespace {

struct DtypeInfo {
  DataType type;
  std::string_view name;
  size_t size;
  bool floating;
};

// The one table of supported dtypes; everything else derives from it.
constexpr std::array<DtypeInfo, 8> kDtypes = {{
    {DataType::kFloat32, "f32", 4, true},
    {DataType::kFloat16, "f16", 2, true},
    {DataType::kBFloat16, "bf16", 2, true},
    {DataType::kInt8, "i8", 1, false},
    {DataType::kUInt8, "u8", 1, false},
    {DataType::kInt32, "i32", 4, false},
    {DataType::kInt64, "i64", 8, false},
    {DataType::kBool, "bool", 1, false},
}};

const DtypeInfo* find(DataType t) {
  for (const auto& d : kDtypes)
    if (d.type == t) return &d;
  return nullptr;
}

}  // namespace

size_t dtype_size(DataType t) {
  const DtypeInfo* d = find(t);
  return d ? d->size : 0;
}

std::string_view dtype_name(DataType t) {
  const DtypeInfo* d = find(t);
  return d ? d->name : "undefined";
}

std::optional<DataType> dtype_from_name(std::string_view name) {
  for (const auto& d : kDtypes)
    if (d.name == name) return d.type;
  return std::nullopt;
}

std::optional<DataType> dtype_from_onnx(int32_t onnx_type) {
  const DtypeInfo* d = find(static_cast<DataType>(onnx_type));
  if (!d) return std::nullopt;
  return d->type;
}

std::string_view onnx_dtype_name(int32_t onnx_type) {
  static constexpr std::array<std::string_view, 24> kNames = {
      "UNDEFINED", "FLOAT",     "UINT8",       "INT8",          "UINT16",      "INT16",
      "INT32",     "INT64",     "STRING",      "BOOL",          "FLOAT16",     "DOUBLE",
      "UINT32",    "UINT64",    "COMPLEX64",   "COMPLEX128",    "BFLOAT16",    "FLOAT8E4M3FN",
      "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1"};
  if (onnx_type >= 0 && onnx_type < static_cast<int32_t>(kNames.size())) return kNames[onnx_type];
  return "UNKNOWN";
}

bool is_floating(DataType t) {
  const DtypeInfo* d = find(t);
  return d && d->floating;
}

}  // namespace actrt
