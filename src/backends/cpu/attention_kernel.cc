// Fused scaled-dot-product attention: O = softmax(scale * Q K^T) V per batch entry (head).
//
// Per inference, K is packed once per head as K^T [D, Sk_pad] and V as [Sk, Dv_pad] (zero
// padded to the vector width), so every row block reads them with unit stride and nothing is
// repacked per block. Then (head, block of query rows) tasks are split over the threads; a task
// computes its scores against all keys with a register-tiled micro-kernel, applies a
// vectorized softmax in place and multiplies by V. A block's scores (~60 x 912 floats, 220 KB)
// stay in L2 with that head's packed K^T and V, and the full [heads, Sq, Sk] tensor is never
// written to memory.
//
// The kernels (attention_impl.inc) exist for AVX-512, AVX2 and baseline SSE2; the best one this
// CPU runs is picked when the step is built. ACTRT_CPU_ISA=avx2|sse2 caps the choice (tests use
// it to check every variant against the reference).
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "backends/cpu/fused_ops.h"
#include "backends/cpu/kernels.h"

namespace actrt::cpu {

namespace {

struct KernelSet {
  int lanes;  // floats per vector: padding granularity of K^T columns and V columns
  int mr;     // rows per micro tile: row blocks are multiples of it
  void (*rows)(const float* q, int64_t rows, int64_t d, const float* kt, int64_t sk,
               int64_t sk_pad, const float* vp, int64_t dv_pad, float scale, float* s, float* o,
               int64_t ldo);
  void (*softmax)(float* s, int64_t rows, int64_t cols, int64_t ld);
};

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ACTRT_ATTENTION_X86 1

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")
namespace avx512 {
#define ACTRT_VB 64
#define ACTRT_MR 6
#define ACTRT_NV 4
#define ACTRT_FMADD(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#include "backends/cpu/attention_impl.inc"
#undef ACTRT_VB
#undef ACTRT_MR
#undef ACTRT_NV
#undef ACTRT_FMADD
}  // namespace avx512
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {
#define ACTRT_VB 32
#define ACTRT_MR 6
#define ACTRT_NV 2
#define ACTRT_FMADD(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#include "backends/cpu/attention_impl.inc"
#undef ACTRT_VB
#undef ACTRT_MR
#undef ACTRT_NV
#undef ACTRT_FMADD
}  // namespace avx2
#pragma GCC pop_options
#endif

// Baseline: 16-byte vectors (SSE2 on x86-64, NEON elsewhere, scalar where neither exists).
namespace generic {
#define ACTRT_VB 16
#define ACTRT_MR 4
#define ACTRT_NV 2
#define ACTRT_FMADD(a, b, c) ((a) * (b) + (c))
#include "backends/cpu/attention_impl.inc"
#undef ACTRT_VB
#undef ACTRT_MR
#undef ACTRT_NV
#undef ACTRT_FMADD
}  // namespace generic

// The widest variant this CPU runs, capped by ACTRT_CPU_ISA (avx512 | avx2 | sse2; x86-64 only).
const KernelSet& pick_kernels() {
  const char* env = std::getenv("ACTRT_CPU_ISA");
  const std::string_view cap = env ? env : "";
#ifdef ACTRT_ATTENTION_X86
  __builtin_cpu_init();
  const bool allow512 = cap.empty() || cap == "avx512";
  const bool allow2 = allow512 || cap == "avx2";
  if (allow512 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw"))
    return avx512::kKernels;
  if (allow2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return avx2::kKernels;
#else
  (void)cap;  // one variant only (NEON on aarch64): nothing to cap
#endif
  return generic::kKernels;
}

int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

class AttentionStep final : public Step {
 public:
  Status bind(uint8_t* arena, const std::vector<Slot>& slots) override {
    q_ = q_op_.resolve(arena, slots);
    k_ = k_op_.resolve(arena, slots);
    v_ = v_op_.resolve(arena, slots);
    o_ = reinterpret_cast<float*>(arena + slots[o_slot_].offset);
    return ok_status();
  }

  void setup(const KernelSet& ks) {
    ks_ = &ks;
    sk_pad_ = round_up(sk_, ks.lanes);
    dv_pad_ = round_up(dv_, ks.lanes);
    // ~64 query rows per task: scores (64 x Sk_pad) plus one head's K^T and V fit in L2.
    row_block_ = round_up(std::min<int64_t>(64, std::max<int64_t>(sq_, 1)), ks.mr);
    kt_.assign(static_cast<size_t>(batch_ * d_ * sk_pad_), 0.0f);
    if (dv_pad_ != dv_) vp_.assign(static_cast<size_t>(batch_ * sk_ * dv_pad_), 0.0f);
  }

  // K^T [d, sk_pad] and (when Dv needs padding) V [sk, dv_pad] of head b; padding stays zero.
  void pack_head(int64_t b) {
    float* kt = kt_.data() + b * d_ * sk_pad_;
    const float* k = k_ + b * sk_ * d_;
    if (k_transposed_) {
      for (int64_t c = 0; c < d_; ++c) std::memcpy(kt + c * sk_pad_, k + c * sk_, sk_ * 4);
    } else {
      // Transpose in 8-key strips so that writes go to 8 rows while reads stream.
      for (int64_t j0 = 0; j0 < sk_; j0 += 8) {
        const int64_t j1 = std::min(sk_, j0 + 8);
        for (int64_t c = 0; c < d_; ++c)
          for (int64_t j = j0; j < j1; ++j) kt[c * sk_pad_ + j] = k[j * d_ + c];
      }
    }
    if (!vp_.empty()) {
      float* vp = vp_.data() + b * sk_ * dv_pad_;
      const float* v = v_ + b * sk_ * dv_;
      for (int64_t j = 0; j < sk_; ++j) std::memcpy(vp + j * dv_pad_, v + j * dv_, dv_ * 4);
    }
  }

  Status run(const RunEnv& env) override {
    const int64_t blocks = (sq_ + row_block_ - 1) / row_block_;
    const int64_t tasks = batch_ * blocks;
    const int nt = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(env.threads, tasks)));
    if (static_cast<int>(scratch_.size()) < nt) scratch_.resize(nt);
    const bool pad_v = !vp_.empty();
#pragma omp parallel num_threads(nt)
    {
#pragma omp for schedule(static)
      for (int64_t b = 0; b < batch_; ++b) pack_head(b);
      std::vector<float>& s = scratch_[omp_get_thread_num()];
      const size_t need = static_cast<size_t>(row_block_ * (sk_pad_ + (pad_v ? dv_pad_ : 0)));
      if (s.size() < need) s.resize(need);
#pragma omp for schedule(static)
      for (int64_t t = 0; t < tasks; ++t) {
        const int64_t b = t / blocks;
        const int64_t r0 = (t % blocks) * row_block_;
        const int64_t rows = std::min(row_block_, sq_ - r0);
        const float* q = q_ + (b * sq_ + r0) * d_;
        const float* kt = kt_.data() + b * d_ * sk_pad_;
        const float* v = pad_v ? vp_.data() + b * sk_ * dv_pad_ : v_ + b * sk_ * dv_;
        float* o = o_ + (b * sq_ + r0) * dv_;
        if (!pad_v) {
          ks_->rows(q, rows, d_, kt, sk_, sk_pad_, v, dv_, scale_, s.data(), o, dv_);
        } else {
          float* ot = s.data() + row_block_ * sk_pad_;
          ks_->rows(q, rows, d_, kt, sk_, sk_pad_, v, dv_pad_, scale_, s.data(), ot, dv_pad_);
          for (int64_t r = 0; r < rows; ++r) std::memcpy(o + r * dv_, ot + r * dv_pad_, dv_ * 4);
        }
      }
    }
    return ok_status();
  }

  Operand q_op_, k_op_, v_op_;
  int o_slot_ = -1;
  int64_t batch_ = 1, sq_ = 0, sk_ = 0, d_ = 0, dv_ = 0;
  int64_t sk_pad_ = 0, dv_pad_ = 0, row_block_ = 64;
  float scale_ = 1.0f;
  bool k_transposed_ = false;
  const KernelSet* ks_ = nullptr;
  const float *q_ = nullptr, *k_ = nullptr, *v_ = nullptr;
  float* o_ = nullptr;
  std::vector<float> kt_, vp_;               // packed K^T and padded V, all heads
  std::vector<std::vector<float>> scratch_;  // per thread: score block (+ padded O block)
};

}  // namespace

Status attention_accepts(const ir::Node& node) {
  RETURN_IF_ERROR(expect_op(node, runtime::kFusedDomain, kFusedAttention));
  const ir::Value* q = node.input(0);
  const ir::Value* k = node.input(1);
  const ir::Value* v = node.input(2);
  if (!is_f32(q) || !is_f32(k) || !is_f32(v) || !is_f32(node.output(0)))
    return unsupported("Q, K, V or the output is not f32 with a shape");
  const Shape &qs = q->shape(), &ks = k->shape(), &vs = v->shape();
  const size_t r = qs.size();
  if (r < 2 || ks.size() != r || vs.size() != r)
    return unsupported("Q, K and V are not of one rank >= 2");
  for (size_t i = 0; i + 2 < r; ++i)
    if (ks[i] != qs[i] || vs[i] != qs[i]) return unsupported("Q, K and V differ in batch dimensions");
  auto kt = node.attr_int("k_transposed", 0);
  if (!kt.ok()) return unsupported("k_transposed: " + kt.status().message());
  const int64_t d = qs[r - 1];
  const int64_t sk = kt.value() ? ks[r - 1] : ks[r - 2];
  const int64_t kd = kt.value() ? ks[r - 2] : ks[r - 1];
  if (kd != d || vs[r - 2] != sk) return unsupported("K's or V's sizes do not match Q's");
  return ok_status();
}

Status make_attention_step(BuildState& bs, const ir::Node& node, const std::string& kernel) {
  const ir::Value* q = node.input(0);
  const ir::Value* k = node.input(1);
  const ir::Value* v = node.input(2);
  auto step = make_step<AttentionStep>(node, kernel);
  const Shape& qs = q->shape();
  const size_t r = qs.size();
  ASSIGN_OR_RETURN(int64_t kt, node.attr_int("k_transposed", 0));
  ASSIGN_OR_RETURN(step->scale_, node.attr_float("scale", 1.0f));
  step->k_transposed_ = kt != 0;
  step->sq_ = qs[r - 2];
  step->d_ = qs[r - 1];
  step->sk_ = v->shape()[r - 2];
  step->dv_ = v->shape()[r - 1];
  step->batch_ = 1;
  for (size_t i = 0; i + 2 < r; ++i) step->batch_ *= qs[i];
  step->setup(pick_kernels());
  // Operands may be constants (ACT's decoder cross-attention has a constant query).
  ASSIGN_OR_RETURN(step->q_op_, plain_operand(bs, q));
  ASSIGN_OR_RETURN(step->k_op_, plain_operand(bs, k));
  ASSIGN_OR_RETURN(step->v_op_, plain_operand(bs, v));
  step->o_slot_ = define_plain_output(bs, node.output(0));
  std::vector<int> used{step->o_slot_};
  for (const Operand* op : {&step->q_op_, &step->k_op_, &step->v_op_})
    if (op->slot >= 0) used.push_back(op->slot);
  bs.add_step(std::move(step), used);
  return ok_status();
}

}  // namespace actrt::cpu
