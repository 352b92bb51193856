#include "backends/cuda/graph_check.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "backends/cuda/cuda_check.h"
#include "core/half.h"

namespace actrt::cuda {

namespace {

constexpr double kTolerance = 1e-2;  // of the output's largest magnitude

double element(const std::vector<char>& bytes, size_t i, DataType dt) {
  if (dt == DataType::kFloat16) {
    uint16_t h;
    std::memcpy(&h, bytes.data() + 2 * i, 2);
    return fp16_to_float(h);
  }
  float f;
  std::memcpy(&f, bytes.data() + 4 * i, 4);
  return f;
}

}  // namespace

DeviceSnapshot::~DeviceSnapshot() {
  for (void* p : copies_) cudaFree(p);
}

Status DeviceSnapshot::save(const std::vector<DeviceSpan>& spans, cudaStream_t stream) {
  spans_ = spans;
  for (const DeviceSpan& s : spans_) {
    void* copy = nullptr;
    CUDA_RETURN_IF_ERROR(cudaMalloc(&copy, std::max<size_t>(s.bytes, 1)),
                         "CUDA graph check: copy of '" + s.name + "'");
    copies_.push_back(copy);
    CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(copy, s.data, s.bytes, cudaMemcpyDeviceToDevice, stream),
                         "CUDA graph check: copy of '" + s.name + "'");
  }
  return ok_status();
}

Status DeviceSnapshot::restore(cudaStream_t stream) const {
  for (size_t i = 0; i < spans_.size(); ++i)
    CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(spans_[i].data, copies_[i], spans_[i].bytes,
                                         cudaMemcpyDeviceToDevice, stream),
                         "CUDA graph check: restoring '" + spans_[i].name + "'");
  return ok_status();
}

Result<std::vector<std::vector<char>>> download_spans(const std::vector<DeviceSpan>& spans,
                                                      cudaStream_t stream) {
  CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream), "CUDA graph check (a kernel failed)");
  std::vector<std::vector<char>> out;
  for (const DeviceSpan& s : spans) {
    out.emplace_back(s.bytes);
    CUDA_RETURN_IF_ERROR(cudaMemcpy(out.back().data(), s.data, s.bytes, cudaMemcpyDeviceToHost),
                         "CUDA graph check: download of '" + s.name + "'");
  }
  return out;
}

std::string compare_runs(const std::vector<DeviceSpan>& spans,
                         const std::vector<std::vector<char>>& eager,
                         const std::vector<std::vector<char>>& replayed) {
  for (size_t k = 0; k < spans.size(); ++k) {
    const DeviceSpan& s = spans[k];
    const bool is_float = s.dtype == DataType::kFloat32 || s.dtype == DataType::kFloat16;
    if (!is_float) {
      if (eager[k] != replayed[k]) return "output '" + s.name + "' differs";
      continue;
    }
    const size_t n = s.bytes / dtype_size(s.dtype);
    double diff = 0, magnitude = 0;
    bool nan_mismatch = false;
    for (size_t i = 0; i < n; ++i) {
      const double a = element(eager[k], i, s.dtype), b = element(replayed[k], i, s.dtype);
      if (std::isnan(a) != std::isnan(b)) nan_mismatch = true;
      if (std::isnan(a) || std::isnan(b)) continue;
      diff = std::max(diff, std::fabs(a - b));
      magnitude = std::max(magnitude, std::fabs(a));
    }
    if (nan_mismatch) return "output '" + s.name + "' has NaNs in one run only";
    if (diff > kTolerance * std::max(magnitude, 1e-30))
      return "output '" + s.name + "' differs by up to " + std::to_string(diff) +
             " (largest magnitude " + std::to_string(magnitude) + ")";
  }
  return "";
}

}  // namespace actrt::cuda
