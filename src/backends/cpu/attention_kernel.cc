// Fused scaled-dot-product attention: O = softmax(scale * Q K^T) V per batch entry (head).
//
// Work is split into (head, block of query rows) tasks over the threads. A task computes the
// scores of its rows against all keys (oneDNN sgemm, single-threaded inside the parallel
// region), turns them into probabilities in place (vectorized softmax), and multiplies by V,
// so a score block (rows x Sk floats, ~115 KB for ACT's 902 keys) stays in L2 and the full
// [heads, Sq, Sk] score tensor is never written to memory.
#include <omp.h>

#include <algorithm>

#include "backends/cpu/fused_ops.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/vec_math.h"

namespace actrt::cpu {

namespace {

constexpr int64_t kRowBlock = 256;

class AttentionStep final : public Step {
 public:
  Status bind(uint8_t* arena, const std::vector<Slot>& slots) override {
    q_ = q_op_.resolve(arena, slots);
    k_ = k_op_.resolve(arena, slots);
    v_ = v_op_.resolve(arena, slots);
    o_ = reinterpret_cast<float*>(arena + slots[o_slot_].offset);
    return ok_status();
  }

  Status run(const RunEnv& env) override {
    const int64_t blocks = (sq_ + kRowBlock - 1) / kRowBlock;
    const int64_t tasks = batch_ * blocks;
    const int nt = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(env.threads, tasks)));
    if (static_cast<int>(scratch_.size()) < nt) scratch_.resize(nt);
    int failed = 0;
#pragma omp parallel num_threads(nt) reduction(| : failed)
    {
      std::vector<float>& s = scratch_[omp_get_thread_num()];
      s.resize(static_cast<size_t>(kRowBlock * sk_));
#pragma omp for schedule(static)
      for (int64_t t = 0; t < tasks; ++t) {
        const int64_t b = t / blocks;
        const int64_t r0 = (t % blocks) * kRowBlock;
        const int64_t rows = std::min(kRowBlock, sq_ - r0);
        const float* q = q_ + (b * sq_ + r0) * d_;
        const float* k = k_ + b * sk_ * d_;
        const float* v = v_ + b * sk_ * dv_;
        float* o = o_ + (b * sq_ + r0) * dv_;
        // scores[rows, Sk] = scale * q[rows, D] * K^T   (K stored [Sk, D] or [D, Sk])
        dnnl_status_t st =
            k_transposed_
                ? dnnl_sgemm('N', 'N', rows, sk_, d_, scale_, q, d_, k, sk_, 0.0f, s.data(), sk_)
                : dnnl_sgemm('N', 'T', rows, sk_, d_, scale_, q, d_, k, d_, 0.0f, s.data(), sk_);
        softmax_rows(s.data(), rows, sk_, sk_);
        dnnl_status_t st2 =
            dnnl_sgemm('N', 'N', rows, dv_, sk_, 1.0f, s.data(), sk_, v, dv_, 0.0f, o, dv_);
        failed |= (st != dnnl_success || st2 != dnnl_success);
      }
    }
    if (failed) return device_error("attention " + node_name + ": dnnl_sgemm failed");
    return ok_status();
  }

  Operand q_op_, k_op_, v_op_;
  int o_slot_ = -1;
  int64_t batch_ = 1, sq_ = 0, sk_ = 0, d_ = 0, dv_ = 0;
  float scale_ = 1.0f;
  bool k_transposed_ = false;
  const float *q_ = nullptr, *k_ = nullptr, *v_ = nullptr;
  float* o_ = nullptr;
  std::vector<std::vector<float>> scratch_;  // per thread score block
};

}  // namespace

bool attention_accepts(const ir::Node& node) {
  if (node.domain() != "actrt" || node.op_type() != kFusedAttention) return false;
  const ir::Value* q = node.input(0);
  const ir::Value* k = node.input(1);
  const ir::Value* v = node.input(2);
  if (!is_f32(q) || !is_f32(k) || !is_f32(v) || !is_f32(node.output(0))) return false;
  const Shape &qs = q->shape(), &ks = k->shape(), &vs = v->shape();
  const size_t r = qs.size();
  if (r < 2 || ks.size() != r || vs.size() != r) return false;
  for (size_t i = 0; i + 2 < r; ++i)
    if (ks[i] != qs[i] || vs[i] != qs[i]) return false;
  auto kt = node.attr_int("k_transposed", 0);
  if (!kt.ok()) return false;
  const int64_t d = qs[r - 1];
  const int64_t sk = kt.value() ? ks[r - 1] : ks[r - 2];
  const int64_t kd = kt.value() ? ks[r - 2] : ks[r - 1];
  return kd == d && vs[r - 2] == sk;
}

Status make_attention_step(BuildState& bs, const ir::Node& node, const std::string& kernel) {
  const ir::Value* q = node.input(0);
  const ir::Value* k = node.input(1);
  const ir::Value* v = node.input(2);
  auto step = std::make_unique<AttentionStep>();
  step->node_name = node.name();
  step->op_type = node.op_type();
  step->kernel = kernel;
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
