#include "backends/cpu/vec_math.h"

#include <cmath>
#include <cstring>

namespace actrt::cpu {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ACTRT_CPU_CLONES __attribute__((target_clones("arch=skylake-avx512", "arch=haswell", "default")))
#else
#define ACTRT_CPU_CLONES
#endif

namespace {

// exp(x) for x <= 0-ish softmax arguments and beyond: Cephes' expf (range reduction by ln 2,
// degree-6 polynomial), relative error ~2e-7, written branch-free so that it vectorizes.
[[gnu::always_inline]] inline float exp_approx(float x) {
  x = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
  const float n = std::floor(x * 1.44269504088896341f + 0.5f);
  float r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

[[gnu::always_inline]] inline void softmax_row(const float* in, float* out, int64_t cols) {
  float mx = in[0];
#pragma omp simd reduction(max : mx)
  for (int64_t j = 1; j < cols; ++j) mx = std::fmax(mx, in[j]);
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (int64_t j = 0; j < cols; ++j) {
    const float e = exp_approx(in[j] - mx);
    out[j] = e;
    sum += e;
  }
  const float inv = 1.0f / sum;
  for (int64_t j = 0; j < cols; ++j) out[j] *= inv;
}

}  // namespace

ACTRT_CPU_CLONES
void softmax_rows(float* data, int64_t rows, int64_t cols, int64_t ld) {
  for (int64_t r = 0; r < rows; ++r) softmax_row(data + r * ld, data + r * ld, cols);
}

ACTRT_CPU_CLONES
void softmax_rows_to(const float* in, float* out, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) softmax_row(in + r * cols, out + r * cols, cols);
}

ACTRT_CPU_CLONES
void layernorm_rows(const float* in, float* out, int64_t rows, int64_t cols, const float* gamma,
                    const float* beta, float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = in + r * cols;
    float* y = out + r * cols;
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int64_t j = 0; j < cols; ++j) sum += x[j];
    const float mean = sum / static_cast<float>(cols);
    float sq = 0.0f;  // two passes: no cancellation when |mean| >> std
#pragma omp simd reduction(+ : sq)
    for (int64_t j = 0; j < cols; ++j) {
      const float d = x[j] - mean;
      sq += d * d;
    }
    const float rstd = 1.0f / std::sqrt(sq / static_cast<float>(cols) + eps);
    if (beta) {
      for (int64_t j = 0; j < cols; ++j) y[j] = (x[j] - mean) * rstd * gamma[j] + beta[j];
    } else {
      for (int64_t j = 0; j < cols; ++j) y[j] = (x[j] - mean) * rstd * gamma[j];
    }
  }
}

}  // namespace actrt::cpu
