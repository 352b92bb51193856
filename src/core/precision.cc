#include "actrt/precision.h"

#include <array>
#include <utility>

namespace actrt {

namespace {
constexpr std::array<std::pair<BackendKind, std::string_view>, 2> kBackends = {{
    {BackendKind::kCpu, "cpu"},
    {BackendKind::kCuda, "cuda"},
}};
constexpr std::array<std::pair<Precision, std::string_view>, 5> kPrecisions = {{
    {Precision::kFp32, "fp32"},
    {Precision::kTf32, "tf32"},
    {Precision::kFp16, "fp16"},
    {Precision::kBf16, "bf16"},
    {Precision::kInt8, "int8"},
}};

template <typename E, size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
  for (const auto& [k, n] : table)
    if (k == e) return n;
  return "unknown";
}
template <typename E, size_t N>
std::optional<E> from_name(const std::array<std::pair<E, std::string_view>, N>& table,
                           std::string_view name) {
  for (const auto& [k, n] : table)
    if (n == name) return k;
  return std::nullopt;
}
}  // namespace

std::string_view backend_name(BackendKind b) { return name_of(kBackends, b); }
std::optional<BackendKind> backend_from_name(std::string_view n) { return from_name(kBackends, n); }
std::string_view precision_name(Precision p) { return name_of(kPrecisions, p); }
std::optional<Precision> precision_from_name(std::string_view n) { return from_name(kPrecisions, n); }

}  // namespace actrt
