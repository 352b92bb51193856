// Row-wise normalizations: CudaLayerNorm (with the fused residual add) and Softmax over the
// last axis.
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/kernels.h"
#include "backends/cuda/steps/families.h"

namespace actrt::cuda {

namespace {

class LayerNormStep : public Step {
 public:
  const void *x = nullptr, *r = nullptr;
  const float *gamma = nullptr, *beta = nullptr;
  void* y = nullptr;
  int64_t rows = 0, cols = 0;
  float eps = 1e-5f;
  bool half = false;
  Status run(const RunEnv& env) override {
    CUDA_RETURN_IF_ERROR(
        launch_layer_norm(x, r, gamma, beta, y, rows, cols, eps, half, env.stream), name);
    return ok_status();
  }
};

class SoftmaxStep : public Step {
 public:
  const void* x = nullptr;
  void* y = nullptr;
  int64_t rows = 0, cols = 0;
  bool half = false;
  Status run(const RunEnv& env) override {
    CUDA_RETURN_IF_ERROR(launch_softmax(x, y, rows, cols, 1.0f, half, env.stream), name);
    return ok_status();
  }
};

Status layer_norm_accepts(const ir::Node& n) {
  return is_fused_op(n, kCudaLayerNorm) ? ok_status() : not_accepted("not a CudaLayerNorm");
}

Result<std::unique_ptr<Step>> make_layer_norm(StepEnv& env, const ir::Node& n) {
  const ir::Value* x = n.input(0);
  auto s = std::make_unique<LayerNormStep>();
  s->cols = x->shape().back();
  s->rows = shape_numel(x->shape()) / std::max<int64_t>(s->cols, 1);
  s->half = is_half(x);
  s->eps = n.attr_float("epsilon", 1e-5f).value();
  ASSIGN_OR_RETURN(s->x, env.device(x));
  ASSIGN_OR_RETURN(s->r, env.device(n.input(1)));
  ASSIGN_OR_RETURN(void* gamma, env.device(n.input(2)));
  ASSIGN_OR_RETURN(void* beta, env.device(n.input(3)));
  s->gamma = static_cast<const float*>(gamma);
  s->beta = static_cast<const float*>(beta);
  ASSIGN_OR_RETURN(s->y, env.device(n.output(0)));
  return std::unique_ptr<Step>(std::move(s));
}

// The graph's opset is not visible here: an explicit last axis means the same before and after
// opset 13, and so does any axis on rank-2 data; other cases run on the host.
Status softmax_accepts(const ir::Node& n) {
  if (!n.domain().empty() || n.op_type() != "Softmax") return not_accepted("not a Softmax");
  const ir::Value* x = n.input(0);
  if (!x || (x->dtype() != DataType::kFloat32 && x->dtype() != DataType::kFloat16))
    return not_accepted("input is not FP32 / FP16");
  if (!x->has_shape() || x->shape().empty()) return not_accepted("input has no rank");
  const int64_t rank = int64_t(x->shape().size());
  auto axis = n.attr_int("axis", -1);
  const bool last = axis.ok() && (axis.value() == -1 || axis.value() == rank - 1);
  if (last && (rank == 2 || n.has_attribute("axis"))) return ok_status();
  return not_accepted("not over an explicit last axis");
}

Result<std::unique_ptr<Step>> make_softmax(StepEnv& env, const ir::Node& n) {
  const ir::Value* x = n.input(0);
  auto s = std::make_unique<SoftmaxStep>();
  s->cols = x->shape().back();
  s->rows = shape_numel(x->shape()) / std::max<int64_t>(s->cols, 1);
  s->half = is_half(x);
  ASSIGN_OR_RETURN(s->x, env.device(x));
  ASSIGN_OR_RETURN(s->y, env.device(n.output(0)));
  return std::unique_ptr<Step>(std::move(s));
}

}  // namespace

const CudaKernel kLayerNormKernel = {
    .name = "actrt.layer_norm",
    .summary = "LayerNorm over the last axis, with the residual add fused",
    .accepts = layer_norm_accepts,
    .make_step = make_layer_norm,
};

const CudaKernel kSoftmaxKernel = {
    .name = "actrt.softmax",
    .summary = "Softmax over an explicit last axis (any axis of rank-2 data)",
    .accepts = softmax_accepts,
    .make_step = make_softmax,
};

}  // namespace actrt::cuda
