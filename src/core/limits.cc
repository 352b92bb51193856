#include "core/limits.h"

#include <fmt/format.h>

#include <new>

namespace actrt::limits {

std::optional<int64_t> checked_mul(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
  return out;
}

std::optional<uint64_t> checked_mul(uint64_t a, uint64_t b) {
  uint64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
  return out;
}

std::optional<uint64_t> checked_add(uint64_t a, uint64_t b) {
  uint64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
  return out;
}

Result<int64_t> checked_numel(const Shape& shape, DataType dtype, std::string_view what) {
  if (static_cast<int64_t>(shape.size()) > kMaxRank)
    return invalid_model(fmt::format("{}: rank {} is above actrt's limit of {}", what, shape.size(),
                                     kMaxRank));
  int64_t n = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    const int64_t d = shape[i];
    if (d < 0 || d > kMaxDimension)
      return invalid_model(fmt::format("{}: dimension {} is {}, expected 0 to {} (actrt's limit)",
                                       what, i, d, kMaxDimension));
    auto product = checked_mul(n, d);
    if (!product || *product > kMaxTensorElements)
      return invalid_model(fmt::format("{}: shape {} has more than {} elements (actrt's limit)",
                                       what, shape_to_string(shape), kMaxTensorElements));
    n = *product;
  }
  const uint64_t element = dtype == DataType::kUndefined ? 1 : dtype_size(dtype);
  if (static_cast<uint64_t>(n) * element > kMaxTensorBytes)  // n <= 2^34, element <= 8: no wrap
    return invalid_model(fmt::format("{}: shape {} needs {} bytes, above actrt's limit of {}", what,
                                     shape_to_string(shape), static_cast<uint64_t>(n) * element,
                                     kMaxTensorBytes));
  return n;
}

Status check_shape(const Shape& shape, DataType dtype, std::string_view what) {
  auto n = checked_numel(shape, dtype, what);
  return n.ok() ? ok_status() : n.status();
}

Status out_of_memory(std::string_view what, uint64_t bytes) {
  return {StatusCode::kOutOfMemory,
          fmt::format("out of memory while allocating {} ({} bytes)", what, bytes)};
}

Result<Tensor> allocate_tensor(DataType dtype, Shape shape, std::string_view what) {
  ASSIGN_OR_RETURN(const int64_t n, checked_numel(shape, dtype, what));
  try {
    return Tensor(dtype, std::move(shape));
  } catch (const std::bad_alloc&) {
    return out_of_memory(what, static_cast<uint64_t>(n) * dtype_size(dtype));
  }
}

}  // namespace actrt::limits
