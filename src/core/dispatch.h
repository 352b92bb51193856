// Compile-time dispatch over DataType: visit_dtype(dtype, [&](auto tag) { using T = ...::type; }).
// Used by kernels and tensor utilities so that no switch over dtypes is written twice.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "actrt/dtype.h"
#include "core/half.h"

namespace actrt {

// Storage types for the 16-bit floats (bit patterns; arithmetic goes through float).
struct Float16 {
  uint16_t bits;
};
struct BFloat16 {
  uint16_t bits;
};

template <typename T>
struct TypeTag {
  using type = T;
};

// Calls fn(TypeTag<T>{}) with T the C++ storage type of `dtype`. Returns false for kUndefined.
template <typename Fn>
bool visit_dtype(DataType dtype, Fn&& fn) {
  switch (dtype) {
    case DataType::kFloat32: fn(TypeTag<float>{}); return true;
    case DataType::kFloat16: fn(TypeTag<Float16>{}); return true;
    case DataType::kBFloat16: fn(TypeTag<BFloat16>{}); return true;
    case DataType::kInt8: fn(TypeTag<int8_t>{}); return true;
    case DataType::kUInt8: fn(TypeTag<uint8_t>{}); return true;
    case DataType::kInt32: fn(TypeTag<int32_t>{}); return true;
    case DataType::kInt64: fn(TypeTag<int64_t>{}); return true;
    case DataType::kBool: fn(TypeTag<bool>{}); return true;
    case DataType::kUndefined: return false;
  }
  return false;
}

// The DataType of a storage type.
template <typename T>
constexpr DataType dtype_of() {
  if constexpr (std::is_same_v<T, float>) return DataType::kFloat32;
  else if constexpr (std::is_same_v<T, Float16>) return DataType::kFloat16;
  else if constexpr (std::is_same_v<T, BFloat16>) return DataType::kBFloat16;
  else if constexpr (std::is_same_v<T, int8_t>) return DataType::kInt8;
  else if constexpr (std::is_same_v<T, uint8_t>) return DataType::kUInt8;
  else if constexpr (std::is_same_v<T, int32_t>) return DataType::kInt32;
  else if constexpr (std::is_same_v<T, int64_t>) return DataType::kInt64;
  else if constexpr (std::is_same_v<T, bool>) return DataType::kBool;
  else return DataType::kUndefined;
}

template <typename T>
inline double to_double(T v) {
  if constexpr (std::is_same_v<T, Float16>) return fp16_to_float(v.bits);
  else if constexpr (std::is_same_v<T, BFloat16>) return bf16_to_float(v.bits);
  else return static_cast<double>(v);
}

// Converts one element with ONNX Cast semantics: floats to integers truncate toward zero,
// anything to bool is (x != 0), 16-bit floats round to nearest even.
template <typename D, typename S>
inline D convert_element(S v) {
  if constexpr (std::is_same_v<D, S>) {
    return v;
  } else if constexpr (std::is_same_v<D, Float16>) {
    return Float16{float_to_fp16(static_cast<float>(to_double(v)))};
  } else if constexpr (std::is_same_v<D, BFloat16>) {
    return BFloat16{float_to_bf16(static_cast<float>(to_double(v)))};
  } else if constexpr (std::is_same_v<D, bool>) {
    return to_double(v) != 0.0;
  } else if constexpr (std::is_same_v<S, int64_t> || std::is_same_v<S, int32_t> ||
                       std::is_same_v<S, int8_t> || std::is_same_v<S, uint8_t> ||
                       std::is_same_v<S, bool>) {
    return static_cast<D>(v);  // integer to integer / float: C++ conversion is ONNX's
  } else {
    const double d = to_double(v);
    if constexpr (std::is_floating_point_v<D>) {
      return static_cast<D>(d);
    } else {
      if (std::isnan(d)) return D(0);
      return static_cast<D>(std::trunc(d));
    }
  }
}

}  // namespace actrt
