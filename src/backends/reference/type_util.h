// Dtype dispatch and arithmetic types shared by the reference kernels.
//
// Kernels are written once as templates over the storage type T and dispatched with
// visit_types(TypeList<...>{}, dtype, fn), which instantiates only the listed types (so a kernel
// for floating-point math is never instantiated for bool). Arithmetic goes through Compute<T>:
// double for every floating type (16-bit floats included, so all float math has one code path,
// and f32 add/sub/mul/div/sqrt computed in double round to the same result as in float), and
// the type itself for integers and bool.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>

#include "actrt/dtype.h"
#include "core/dispatch.h"

namespace actrt::reference {

template <typename... Ts>
struct TypeList {};

using FloatTypes = TypeList<float, Float16, BFloat16>;
using SignedTypes = TypeList<float, Float16, BFloat16, int8_t, int32_t, int64_t>;
using NumericTypes = TypeList<float, Float16, BFloat16, int8_t, uint8_t, int32_t, int64_t>;
using AllTypes = TypeList<float, Float16, BFloat16, int8_t, uint8_t, int32_t, int64_t, bool>;

// Calls fn(TypeTag<T>{}) for the T in the list whose dtype is `dtype`; false if none matches.
template <typename... Ts, typename Fn>
bool visit_types(TypeList<Ts...>, DataType dtype, Fn&& fn) {
  return ((dtype == dtype_of<Ts>() ? (fn(TypeTag<Ts>{}), true) : false) || ...);
}

template <typename T>
inline constexpr bool kIsFloatStorage =
    std::is_floating_point_v<T> || std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;

template <typename T>
using Compute = std::conditional_t<kIsFloatStorage<T>, double, T>;

// Wide accumulator for sums and dot products: double for floats, int64 for integers.
template <typename T>
using Accum = std::conditional_t<kIsFloatStorage<T>, double, int64_t>;

template <typename T>
inline Compute<T> load(T v) {
  if constexpr (kIsFloatStorage<T>) return to_double(v);
  else return v;
}

// Stores an arithmetic result into T. Integers wrap like C++ conversions (ONNX runtimes do the
// same for integer overflow); values reaching floats are rounded to nearest.
template <typename T, typename V>
inline T store(V v) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>)
    return convert_element<T>(static_cast<double>(v));
  else return static_cast<T>(v);
}

// The lowest / highest value of T as a Compute<T> (infinities for floats).
template <typename T>
inline Compute<T> lowest_value() {
  if constexpr (kIsFloatStorage<T>) return -std::numeric_limits<double>::infinity();
  else return std::numeric_limits<T>::lowest();
}
template <typename T>
inline Compute<T> highest_value() {
  if constexpr (kIsFloatStorage<T>) return std::numeric_limits<double>::infinity();
  else return std::numeric_limits<T>::max();
}

}  // namespace actrt::reference
