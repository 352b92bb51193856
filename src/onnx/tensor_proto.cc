#include "onnx/tensor_proto.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "core/dispatch.h"

namespace actrt::onnx_import {

namespace fs = std::filesystem;

namespace {

std::string where(const TensorContext& ctx) { return ctx.source + ": " + ctx.what; }

// Reads `length` bytes at `offset` of an external data file, refusing paths outside base_dir.
Result<std::string> read_external(const onnx::TensorProto& proto, const TensorContext& ctx,
                                  size_t expected_bytes) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : proto.external_data()) {
    try {
      if (kv.key() == "location") location = kv.value();
      else if (kv.key() == "offset") offset = std::stoll(kv.value());
      else if (kv.key() == "length") length = std::stoll(kv.value());
    } catch (...) {
      return invalid_model(where(ctx) + ": external data '" + kv.key() + "' is not a number: '" +
                           kv.value() + "'");
    }
  }
  if (location.empty()) return invalid_model(where(ctx) + ": external data without a location");
  if (offset < 0) return invalid_model(where(ctx) + ": negative external data offset");
  std::error_code ec;
  const fs::path base = fs::weakly_canonical(fs::absolute(ctx.base_dir), ec);
  const fs::path file = fs::weakly_canonical(base / location, ec);
  const auto rel = file.lexically_relative(base);
  if (fs::path(location).is_absolute() || rel.empty() || *rel.begin() == "..")
    return invalid_model(where(ctx) + ": external data location '" + location +
                         "' leaves the model's folder " + base.string() + "; refused");
  if (!fs::exists(file, ec))
    return io_error(where(ctx) + ": external data file '" + file.string() + "' does not exist");
  const auto file_size = static_cast<int64_t>(fs::file_size(file, ec));
  if (length < 0) length = file_size - offset;
  if (static_cast<size_t>(length) != expected_bytes)
    return invalid_model(fmt::format("{}: external data length {} bytes, but the tensor needs {}",
                                     where(ctx), length, expected_bytes));
  if (offset + length > file_size)
    return invalid_model(
        fmt::format("{}: external data file '{}' has {} bytes, too short for offset {} + length {}",
                    where(ctx), file.string(), file_size, offset, length));
  std::ifstream in(file, std::ios::binary);
  in.seekg(offset);
  std::string bytes(static_cast<size_t>(length), '\0');
  in.read(bytes.data(), length);
  if (!in) return io_error(where(ctx) + ": failed reading external data '" + file.string() + "'");
  return bytes;
}

}  // namespace

Result<Tensor> tensor_from_proto(const onnx::TensorProto& proto, const TensorContext& ctx) {
  auto dtype = dtype_from_onnx(proto.data_type());
  if (!dtype)
    return unsupported(where(ctx) + " has element type " +
                       std::string(onnx_dtype_name(proto.data_type())) +
                       ", supported: f32, f16, bf16, i8, u8, i32, i64, bool");
  Shape shape(proto.dims().begin(), proto.dims().end());
  for (int64_t d : shape)
    if (d < 0) return invalid_model(where(ctx) + " has a negative dimension");
  Tensor t(*dtype, shape);
  const size_t nbytes = t.nbytes();
  const int64_t n = t.numel();

  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    ASSIGN_OR_RETURN(std::string bytes, read_external(proto, ctx, nbytes));
    std::memcpy(t.raw_data(), bytes.data(), nbytes);
    return t;
  }
  if (proto.has_raw_data()) {
    if (proto.raw_data().size() != nbytes)
      return invalid_model(fmt::format("{}: raw_data has {} bytes, expected {} for {} {}",
                                       where(ctx), proto.raw_data().size(), nbytes,
                                       dtype_name(*dtype), shape_to_string(shape)));
    if (nbytes) std::memcpy(t.raw_data(), proto.raw_data().data(), nbytes);  // ONNX raw_data: little-endian, as every host (byte_io.h)
    return t;
  }
  auto size_error = [&](const char* field, int64_t got) {
    return invalid_model(
        fmt::format("{}: {} has {} values, expected {}", where(ctx), field, got, n));
  };
  switch (*dtype) {
    case DataType::kFloat32:
      if (proto.float_data_size() != n) return size_error("float_data", proto.float_data_size());
      std::copy(proto.float_data().begin(), proto.float_data().end(), t.data<float>());
      break;
    case DataType::kInt64:
      if (proto.int64_data_size() != n) return size_error("int64_data", proto.int64_data_size());
      std::copy(proto.int64_data().begin(), proto.int64_data().end(), t.data<int64_t>());
      break;
    default: {
      // int32_data carries i32, i8, u8, bool, and the bit patterns of f16 / bf16.
      if (proto.int32_data_size() != n) return size_error("int32_data", proto.int32_data_size());
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
