// Row kernels written for the compiler's auto-vectorizer; on x86-64 each is compiled for AVX-512,
// AVX2 and baseline x86-64 (GCC target_clones) and picks the best at load time, so a plan runs on
// any x86-64 CPU. Elsewhere (aarch64) they are compiled once, for the baseline (NEON).
#pragma once

#include <cstdint>

namespace actrt::cpu {

// In place: each of `rows` rows of length `cols` (stride `ld`) becomes its softmax.
void softmax_rows(float* data, int64_t rows, int64_t cols, int64_t ld);
// out[r] = softmax(in[r]) for contiguous rows.
void softmax_rows_to(const float* in, float* out, int64_t rows, int64_t cols);
// LayerNorm of contiguous rows: (x - mean) / sqrt(var + eps) * gamma + beta (beta may be null).
void layernorm_rows(const float* in, float* out, int64_t rows, int64_t cols, const float* gamma,
                    const float* beta, float eps);

}  // namespace actrt::cpu
