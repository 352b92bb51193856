// Hard limits on every size that comes from a file or the command line, and the checked
// arithmetic that applies them. A reader checks a size here before it allocates or loops on it,
// so that a forged file or a mistyped option is refused with a message instead of wrapping
// around, exhausting memory or running for ever (docs/dev/limits.md gives the reasons for each
// number).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "actrt/tensor.h"

namespace actrt::limits {

// Tensors: far above any ACT policy (the largest activation of ACT at 480x640 is ~40 MB), far
// below what would wrap an int64 byte count. A tensor beyond these is a forged or corrupt file.
inline constexpr int64_t kMaxRank = 16;
inline constexpr int64_t kMaxDimension = int64_t{1} << 34;
inline constexpr int64_t kMaxTensorElements = int64_t{1} << 34;  // 16 Gi elements
inline constexpr uint64_t kMaxTensorBytes = uint64_t{1} << 36;   // 64 GiB
// Any file actrt reads whole (models, engines, caches, .npz, JSON).
inline constexpr uint64_t kMaxFileBytes = uint64_t{1} << 36;  // 64 GiB
// Command-line counts and durations.
inline constexpr int64_t kMaxThreads = 1024;
inline constexpr int64_t kMaxIterations = 1'000'000'000;
inline constexpr int64_t kMaxSamples = 10'000'000;
inline constexpr double kMaxDurationSeconds = 7 * 24 * 3600.0;  // a week
inline constexpr double kMaxDurationMs = kMaxDurationSeconds * 1000.0;

// a * b, a + b; nullopt when the exact result does not fit in int64 / uint64.
std::optional<int64_t> checked_mul(int64_t a, int64_t b);
std::optional<uint64_t> checked_mul(uint64_t a, uint64_t b);
std::optional<uint64_t> checked_add(uint64_t a, uint64_t b);

// The element count of `shape`, refused (kInvalidModel, naming `what`) when the rank, a
// dimension, the element count or the byte count at `dtype` is negative or above the limits,
// computed without ever overflowing. Call it before allocating a tensor of that shape.
Result<int64_t> checked_numel(const Shape& shape, DataType dtype, std::string_view what);
// The same check as a Status (the byte count is dtype_size * element count).
Status check_shape(const Shape& shape, DataType dtype, std::string_view what);

// A zero-filled tensor after check_shape; running out of memory is kOutOfMemory naming `what`
// and the byte count, never std::bad_alloc.
Result<Tensor> allocate_tensor(DataType dtype, Shape shape, std::string_view what);

// "out of memory while allocating <what> (<bytes> bytes)": the one message for a failed
// allocation, so that every caller that catches std::bad_alloc says the same thing.
Status out_of_memory(std::string_view what, uint64_t bytes);

}  // namespace actrt::limits
