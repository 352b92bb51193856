// Backends and numeric precisions an engine can be built for.
#pragma once

#include <optional>
#include <string_view>

namespace actrt {

enum class BackendKind { kCpu, kCuda };
std::string_view backend_name(BackendKind b);  // "cpu", "cuda"
std::optional<BackendKind> backend_from_name(std::string_view name);

// Precision a layer computes in. kTf32 is FP32 storage with TF32 matrix math (GPU only).
enum class Precision { kFp32, kTf32, kFp16, kBf16, kInt8 };
std::string_view precision_name(Precision p);  // "fp32", "tf32", "fp16", "bf16", "int8"
std::optional<Precision> precision_from_name(std::string_view name);

}  // namespace actrt
