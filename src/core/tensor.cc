#include "actrt/tensor.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/half.h"
#include "core/dispatch.h"

namespace actrt {

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_to_string(const Shape& shape) {
  if (shape.empty()) return "scalar";
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(shape[i]);
  }
  return s;
}

Result<Shape> parse_shape(std::string_view text) {
  Shape shape;
  if (text == "scalar") return shape;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find_first_of("x,", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view part = text.substr(pos, end - pos);
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || ec != std::errc() || ptr != part.data() + part.size() || v < 0)
      return invalid_argument("bad shape '" + std::string(text) +
                              "': expected non-negative integers separated by 'x', e.g. 1x3x480x640");
    shape.push_back(v);
    pos = end + 1;
  }
  return shape;
}

Tensor::Tensor(DataType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  auto bytes = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(shape_numel(shape_)) *
                                                      dtype_size(dtype));
  uint8_t* first = bytes->data();
  storage_ = std::shared_ptr<uint8_t>(std::move(bytes), first);
}

Tensor Tensor::wrap_external(DataType dtype, Shape shape, void* data, std::shared_ptr<void> owner) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.storage_ = std::shared_ptr<uint8_t>(std::move(owner), static_cast<uint8_t*>(data));
  return t;
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_);
  if (nbytes()) std::memcpy(t.raw_data(), raw_data(), nbytes());
  return t;
}

Result<Tensor> Tensor::reshaped(Shape shape) const {
  if (shape_numel(shape) != numel())
    return invalid_argument("cannot reshape " + shape_to_string(shape_) + " to " +
                            shape_to_string(shape) + ": element counts differ");
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

double Tensor::element_as_double(int64_t i) const {
  double v = 0;
  visit_dtype(dtype_, [&](auto tag) {
    using T = typename decltype(tag)::type;
    v = to_double(data<T>()[i]);
  });
  return v;
}

std::vector<int64_t> Tensor::to_int64_vector() const {
  std::vector<int64_t> out(static_cast<size_t>(numel()));
  if (dtype_ == DataType::kInt64) {  // exact, and INT64_MAX (Slice's "to the end") stays itself
    if (!out.empty()) std::memcpy(out.data(), raw_data(), nbytes());
    return out;
  }
  // Other dtypes through double, saturated: a value beyond int64's range (or NaN, as 0) must not
  // reach the cast, where it is undefined.
  for (int64_t i = 0; i < numel(); ++i) {
    const double v = element_as_double(i);
    out[i] = std::isnan(v) ? 0
             : v >= 9223372036854775807.0 ? std::numeric_limits<int64_t>::max()
             : v <= -9223372036854775808.0 ? std::numeric_limits<int64_t>::min()
                                           : static_cast<int64_t>(v);
  }
  return out;
}

Tensor Tensor::to_float32() const { return cast(DataType::kFloat32); }

Tensor Tensor::cast(DataType to) const {
  if (to == dtype_) return clone();
  Tensor out(to, shape_);
  const int64_t n = numel();
  visit_dtype(dtype_, [&](auto src_tag) {
    using S = typename decltype(src_tag)::type;
    visit_dtype(to, [&](auto dst_tag) {
      using D = typename decltype(dst_tag)::type;
      const S* src = data<S>();
      D* dst = out.data<D>();
      for (int64_t i = 0; i < n; ++i) dst[i] = convert_element<D>(src[i]);
    });
  });
  return out;
}

}  // namespace actrt
