// CudaAttention: softmax(scale * Q K^T) V per head, either in our flash kernel (FP16, head dim
// 64, split over key chunks) or as two cuBLASLt batched products around a softmax kernel.
#include "backends/cuda/attention_layout.h"
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/kernels.h"
#include "backends/cuda/matmul.h"
#include "backends/cuda/steps/families.h"

namespace actrt::cuda {

namespace {

// Whether the flash kernel runs the node. attention_layout.h gives sequence-major layouts only
// to such nodes.
bool flash_runs(const ir::Node& n) {
  const ir::Value* q = n.input(0);
  return q->dtype() == DataType::kFloat16 && q->shape().back() == 64 &&
         n.input(2)->shape().back() == 64 && n.attr_int("k_transposed", 0).value() == 0;
}

class AttentionStep : public Step {
 public:
  const void *q = nullptr, *k = nullptr, *v = nullptr;
  void* o = nullptr;
  void* scores = nullptr;  // scratch: the score matrix (cuBLASLt) or split-K partials (flash)
  AttentionGeometry geo;
  float scale = 1.0f;
};

class FlashAttentionStep : public AttentionStep {
 public:
  int64_t splits = 1;  // key chunks run by separate blocks (kernels.h)
  Status run(const RunEnv& env) override {
    CUDA_RETURN_IF_ERROR(launch_flash_attention_f16(q, k, v, o, geo.batch, geo.sq, geo.sk, geo.d,
                                                    scale, geo.strides, splits, scores,
                                                    env.stream),
                         name);
    return ok_status();
  }
};

class SoftmaxAttentionStep : public AttentionStep {
 public:
  bool half = false;
  LtGemm qk, pv;
  Status run(const RunEnv& env) override {
    RETURN_IF_ERROR(qk.run(env.lt, q, k, nullptr, scores, env.workspace, env.workspace_bytes,
                           env.stream));
    CUDA_RETURN_IF_ERROR(
        launch_softmax(scores, scores, geo.batch * geo.sq, geo.sk, 1.0f, half, env.stream), name);
    return pv.run(env.lt, scores, v, nullptr, o, env.workspace, env.workspace_bytes, env.stream);
  }
};

// Q, K, V (each from its first head: merged projections keep all three in one value) and O.
Status bind_operands(StepEnv& env, const ir::Node& n, AttentionStep& s) {
  ASSIGN_OR_RETURN(s.geo, attention_geometry(n));
  s.scale = n.attr_float("scale", 1.0f).value();
  s.scores = env.scratch;
  ASSIGN_OR_RETURN(void* q, env.device(n.input(0)));
  ASSIGN_OR_RETURN(void* k, env.device(n.input(1)));
  ASSIGN_OR_RETURN(void* v, env.device(n.input(2)));
  const size_t es = dtype_size(n.input(0)->dtype());
  s.q = static_cast<const uint8_t*>(q) + s.geo.q_offset * es;
  s.k = static_cast<const uint8_t*>(k) + s.geo.k_offset * es;
  s.v = static_cast<const uint8_t*>(v) + s.geo.v_offset * es;
  ASSIGN_OR_RETURN(s.o, env.device(n.output(0)));
  return ok_status();
}

// ---- flash

Status flash_accepts(const ir::Node& n) {
  if (!is_fused_op(n, kCudaAttention)) return not_accepted("not a CudaAttention");
  return flash_runs(n) ? ok_status()
                       : not_accepted("needs FP16, head dim 64 and K not transposed");
}

Result<size_t> flash_scratch(const ir::Node& n, int sm_count) {
  ASSIGN_OR_RETURN(const AttentionGeometry geo, attention_geometry(n));
  return flash_attention_workspace(
      geo.batch, geo.sq, flash_attention_splits(geo.batch, geo.sq, geo.sk, sm_count));
}

Result<std::unique_ptr<Step>> make_flash(StepEnv& env, const ir::Node& n) {
  auto s = std::make_unique<FlashAttentionStep>();
  RETURN_IF_ERROR(bind_operands(env, n, *s));
  s->splits = flash_attention_splits(s->geo.batch, s->geo.sq, s->geo.sk, env.sm_count);
  return std::unique_ptr<Step>(std::move(s));
}

// ---- cuBLASLt products around a softmax

Status softmax_attention_accepts(const ir::Node& n) {
  if (!is_fused_op(n, kCudaAttention)) return not_accepted("not a CudaAttention");
  return flash_runs(n) ? not_accepted("the flash kernel runs it") : ok_status();
}

Result<size_t> score_scratch(const ir::Node& n, int) {
  ASSIGN_OR_RETURN(const AttentionGeometry geo, attention_geometry(n));
  return size_t(geo.batch * geo.sq * geo.sk) * dtype_size(n.input(0)->dtype());
}

Result<std::unique_ptr<Step>> make_softmax_attention(StepEnv& env, const ir::Node& n) {
  auto s = std::make_unique<SoftmaxAttentionStep>();
  RETURN_IF_ERROR(bind_operands(env, n, *s));
  const std::vector<int64_t> layouts = n.attr_ints("layouts", {0, 0, 0, 0}).value();
  for (int64_t l : layouts)
    if (l != 0)
      return internal_error(n.describe() + ": only the flash kernel reads sequence-major data");
  const AttentionGeometry& geo = s->geo;
  const DataType dtype = n.input(0)->dtype();
  s->half = dtype == DataType::kFloat16;
  GemmSpec a;
  a.m = geo.sq;
  a.n = geo.sk;
  a.k = geo.d;
  a.trans_b = !geo.k_transposed;
  a.batch = geo.batch;
  a.stride_a = geo.sq * geo.d;
  a.stride_b = geo.sk * geo.d;
  a.stride_c = geo.sq * geo.sk;
  a.alpha = s->scale;
  a.dtype = dtype;
  a.precision = env.precision;
  RETURN_IF_ERROR(s->qk.init(env.lt, a, kLtWorkspaceBytes, n.describe() + " (Q K^T)"));
  GemmSpec b;
  b.m = geo.sq;
  b.n = geo.dv;
  b.k = geo.sk;
  b.batch = geo.batch;
  b.stride_a = geo.sq * geo.sk;
  b.stride_b = geo.sk * geo.dv;
  b.stride_c = geo.sq * geo.dv;
  b.dtype = dtype;
  b.precision = env.precision;
  RETURN_IF_ERROR(s->pv.init(env.lt, b, kLtWorkspaceBytes, n.describe() + " (P V)"));
  return std::unique_ptr<Step>(std::move(s));
}

}  // namespace

const CudaKernel kFlashAttentionKernel = {
    .name = "actrt.flash_attention_f16",
    .summary = "FP16 attention with head dim 64 in one kernel (split over key chunks)",
    .accepts = flash_accepts,
    .make_step = make_flash,
    .scratch_bytes = flash_scratch,
};

const CudaKernel kAttentionSoftmaxKernel = {
    .name = "cublaslt.attention_softmax",
    .summary = "attention as two cuBLASLt batched products around a softmax kernel",
    .accepts = softmax_attention_accepts,
    .make_step = make_softmax_attention,
    .scratch_bytes = score_scratch,
};

}  // namespace actrt::cuda
