#include "onnx/tensor_proto.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <climits>
#include <filesystem>
#include <optional>

#include "core/dispatch.h"
#include "core/file_io.h"
#include "core/limits.h"

namespace actrt::onnx_import {

namespace fs = std::filesystem;

namespace {

std::string where(const TensorContext& ctx) { return ctx.source + ": " + ctx.what; }

// An external-data field as ONNX writes it: decimal digits only, the whole value ("0junk", "-1",
// "" and "1e3" are refused), at most int64's range.
Result<uint64_t> parse_external_number(const onnx::StringStringEntryProto& kv, const TensorContext& ctx) {
  const std::string& text = kv.value();
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0])) || ec != std::errc() ||
      end != text.data() + text.size() || v > static_cast<uint64_t>(INT64_MAX))
    return invalid_model(fmt::format("{}: external data '{}' is '{}', expected a non-negative "
                                     "decimal integer",
                                     where(ctx), kv.key(), text));
  return v;
}

// Reads `length` bytes at `offset` of an external data file, refusing paths outside base_dir.
Result<std::string> read_external(const onnx::TensorProto& proto, const TensorContext& ctx,
                                  uint64_t expected_bytes) {
  std::string location;
  bool has_location = false;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  for (const auto& kv : proto.external_data()) {
    if (kv.key() == "location") {
      location = kv.value();
      has_location = true;
    } else if (kv.key() == "offset") {
      ASSIGN_OR_RETURN(offset, parse_external_number(kv, ctx));
    } else if (kv.key() == "length") {
      ASSIGN_OR_RETURN(length, parse_external_number(kv, ctx));
    }
  }
  if (!has_location || location.empty())
    return invalid_model(where(ctx) + ": external data without a location");
  if (location.find('\0') != std::string::npos)
    return invalid_model(where(ctx) + ": external data location contains a NUL byte");
  std::error_code ec;
  const fs::path base = fs::weakly_canonical(fs::absolute(ctx.base_dir), ec);
  const fs::path file = fs::weakly_canonical(base / location, ec);
  const auto rel = file.lexically_relative(base);
  if (fs::path(location).is_absolute() || rel.empty() || *rel.begin() == "..")
    return invalid_model(where(ctx) + ": external data location '" + location +
                         "' leaves the model's folder " + base.string() + "; refused");
  // Without "length" the tensor's own size is read: never "to the end of the file", which
  // would silently accept a file of another size.
  if (length && *length != expected_bytes)
    return invalid_model(fmt::format("{}: external data length {} bytes, but the tensor needs {}",
                                     where(ctx), *length, expected_bytes));
  RETURN_IF_ERROR(check_regular_file(file.string(), "an external data file").with_context(where(ctx)));
  auto bytes = read_file_range(file.string(), offset, expected_bytes);
  if (!bytes.ok()) return bytes.status().with_context(where(ctx) + ": external data");
  return bytes;
}

}  // namespace

Result<Tensor> tensor_from_proto(const onnx::TensorProto& proto, const TensorContext& ctx) {
  auto dtype = dtype_from_onnx(proto.data_type());
  if (!dtype)
    return unsupported(where(ctx) + " has element type " +
                       std::string(onnx_dtype_name(proto.data_type())) +
                       ", supported: f32, f16, bf16, i8, u8, i32, i64, bool");
  const Shape shape(proto.dims().begin(), proto.dims().end());
  // The one size check of this reader: before anything is allocated or compared, so that a
  // forged [2^62] (whose byte count would wrap to 0) never reaches an allocation.
  ASSIGN_OR_RETURN(const int64_t n, limits::checked_numel(shape, *dtype, where(ctx)));
  const size_t nbytes = static_cast<size_t>(n) * dtype_size(*dtype);
  // Every branch checks the stored size against nbytes / n before the tensor is allocated.
  auto allocate = [&]() { return limits::allocate_tensor(*dtype, shape, where(ctx)); };

  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    ASSIGN_OR_RETURN(std::string bytes, read_external(proto, ctx, nbytes));
    ASSIGN_OR_RETURN(Tensor t, allocate());
    if (nbytes) std::memcpy(t.raw_data(), bytes.data(), nbytes);
    return t;
  }
  if (proto.has_raw_data()) {
    if (proto.raw_data().size() != nbytes)
      return invalid_model(fmt::format("{}: raw_data has {} bytes, expected {} for {} {}",
                                       where(ctx), proto.raw_data().size(), nbytes,
                                       dtype_name(*dtype), shape_to_string(shape)));
    ASSIGN_OR_RETURN(Tensor t, allocate());
    if (nbytes) std::memcpy(t.raw_data(), proto.raw_data().data(), nbytes);  // ONNX raw_data: little-endian, as every host (byte_io.h)
    return t;
  }
  auto size_error = [&](const char* field, int64_t got) {
    return invalid_model(
        fmt::format("{}: {} has {} values, expected {}", where(ctx), field, got, n));
  };
  const int64_t stored = *dtype == DataType::kFloat32 ? proto.float_data_size()
                         : *dtype == DataType::kInt64 ? proto.int64_data_size()
                                                      : proto.int32_data_size();
  if (stored != n)
    return size_error(*dtype == DataType::kFloat32 ? "float_data"
                      : *dtype == DataType::kInt64 ? "int64_data"
                                                   : "int32_data",
                      stored);
  ASSIGN_OR_RETURN(Tensor t, allocate());
  switch (*dtype) {
    case DataType::kFloat32:
      std::copy(proto.float_data().begin(), proto.float_data().end(), t.data<float>());
      break;
    case DataType::kInt64:
      std::copy(proto.int64_data().begin(), proto.int64_data().end(), t.data<int64_t>());
      break;
    default: {
      // int32_data carries i32, i8, u8, bool, and the bit patterns of f16 / bf16.
      visit_dtype(*dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        T* dst = t.data<T>();
        for (int64_t i = 0; i < n; ++i) {
          const int32_t v = proto.int32_data(static_cast<int>(i));
          if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>)
            dst[i] = T{static_cast<uint16_t>(v)};
          else
            dst[i] = static_cast<T>(v);
        }
      });
    }
  }
  return t;
}

onnx::TensorProto tensor_to_proto(const Tensor& tensor, const std::string& name) {
  onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(static_cast<int32_t>(tensor.dtype()));
  for (int64_t d : tensor.shape()) proto.add_dims(d);
  proto.set_raw_data(std::string(static_cast<const char*>(tensor.raw_data()), tensor.nbytes()));
  return proto;
}

}  // namespace actrt::onnx_import
