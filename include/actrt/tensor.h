// A dense, row-major host tensor with shared storage.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "actrt/dtype.h"
#include "actrt/status.h"

namespace actrt {

using Shape = std::vector<int64_t>;

// Number of elements (1 for a scalar, i.e. an empty shape).
int64_t shape_numel(const Shape& shape);
// "1x3x480x640" (scalar: "scalar").
std::string shape_to_string(const Shape& shape);
// Parses "1x3x480x640" (or "1,3,480,640"); an error names the text.
Result<Shape> parse_shape(std::string_view text);

// Storage is shared between copies (copy is cheap, like a numpy view of a whole array);
// use clone() for a deep copy. Data is always contiguous, row-major.
class Tensor {
 public:
  Tensor() = default;
  // Allocates zero-filled storage.
  Tensor(DataType dtype, Shape shape);
  // Views `data` (contiguous, row-major, at least numel * dtype_size bytes) without copying.
  // `owner` keeps the memory alive for as long as any copy of the tensor exists, e.g. the
  // Python binding passes a reference to the NumPy array so that infer() takes it zero-copy.
  static Tensor wrap_external(DataType dtype, Shape shape, void* data, std::shared_ptr<void> owner);

  template <typename T>
  static Tensor from_vector(DataType dtype, Shape shape, const std::vector<T>& values) {
    Tensor t(dtype, std::move(shape));
    std::memcpy(t.raw_data(), values.data(), t.nbytes());
    return t;
  }

  DataType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t numel() const { return shape_numel(shape_); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }
  bool empty() const { return dtype_ == DataType::kUndefined; }

  void* raw_data() { return storage_.get(); }
  const void* raw_data() const { return storage_.get(); }
  template <typename T>
  T* data() { return static_cast<T*>(raw_data()); }
  template <typename T>
  const T* data() const { return static_cast<const T*>(raw_data()); }
  template <typename T>
  std::span<const T> span() const { return {data<T>(), static_cast<size_t>(numel())}; }
  template <typename T>
  std::span<T> span() { return {data<T>(), static_cast<size_t>(numel())}; }

  Tensor clone() const;
  // Same storage, other shape with the same element count.
  Result<Tensor> reshaped(Shape shape) const;
  // Converts to f32 (from any numeric type).
  Tensor to_float32() const;
  // Converts element type with ONNX Cast semantics (float->int truncates, ->bool is x != 0).
  Tensor cast(DataType to) const;
  // Element i as double (any dtype); for tests, printing and folding small shape tensors.
  double element_as_double(int64_t i) const;
  // All elements as int64 (integer and bool tensors; floats are truncated).
  std::vector<int64_t> to_int64_vector() const;

 private:
  DataType dtype_ = DataType::kUndefined;
  Shape shape_;
  // The first byte; shares ownership with the allocating vector or the external owner (the
  // aliasing constructor of shared_ptr), so both kinds of storage look the same to users.
  std::shared_ptr<uint8_t> storage_;
};

}  // namespace actrt
