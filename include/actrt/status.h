// Errors as values: Status and Result<T>.
//
// Every fallible function in actrt returns one of these; no exception crosses the public API.
// Messages say where (file, node, tensor, byte offset) and what was expected versus found.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace actrt {

// A small, grouped set of error classes. Callers branch on the code; humans read the message.
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller passed something wrong (shape, name, option)
  kInvalidModel,     // the model / engine / data file is malformed
  kUnsupported,      // well-formed, but an op, dtype or feature actrt does not implement
  kVersionMismatch,  // a file from another version or target
  kIoError,          // the file system said no
  kOutOfMemory,
  kDeviceError,      // CUDA / cuDNN / cuBLASLt / oneDNN reported a failure
  kInternal,         // a bug in actrt
};

std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "InvalidModel: <message>"
  std::string to_string() const;

  // Prefixes context ("while loading model.onnx: ") to the message; keeps the code.
  Status with_context(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status ok_status() { return Status(); }
inline Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status invalid_model(std::string m) { return {StatusCode::kInvalidModel, std::move(m)}; }
inline Status unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
inline Status version_mismatch(std::string m) { return {StatusCode::kVersionMismatch, std::move(m)}; }
inline Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
inline Status device_error(std::string m) { return {StatusCode::kDeviceError, std::move(m)}; }
inline Status internal_error(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// Either a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(data_).ok() && "Result constructed from an ok Status");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace actrt

#define ACTRT_CONCAT_INNER(a, b) a##b
#define ACTRT_CONCAT(a, b) ACTRT_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function if `expr` is not ok.
#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    ::actrt::Status actrt_status_ = (expr);            \
    if (!actrt_status_.ok()) return actrt_status_;     \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, f());` declares x from a Result or returns its Status.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(ACTRT_CONCAT(actrt_result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

// A true invariant of actrt's own code (not of user input): a bug if it fails.
#define CHECK(cond)                                                                          \
  do {                                                                                       \
    if (!(cond))                                                                             \
      return ::actrt::internal_error(std::string("internal check failed: ") + #cond + " at " + \
                                     __FILE__ + ":" + std::to_string(__LINE__));             \
  } while (0)
