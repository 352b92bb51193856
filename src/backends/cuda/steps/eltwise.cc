// CudaEltwise: a fused chain of elementwise operations (eltwise_chain.h) in one kernel.
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/eltwise_chain.h"
#include "backends/cuda/kernels.h"
#include "backends/cuda/steps/families.h"

namespace actrt::cuda {

namespace {

class EltwiseStep : public Step {
 public:
  const void* x = nullptr;
  std::vector<const void*> operands;
  void* y = nullptr;
  int64_t n = 0;
  EltwiseChain chain;
  bool x_half = false, y_half = false;
  Status run(const RunEnv& env) override {
    CUDA_RETURN_IF_ERROR(
        launch_eltwise_chain(x, operands.data(), y, n, chain, x_half, y_half, env.stream), name);
    return ok_status();
  }
};

Status eltwise_accepts(const ir::Node& n) {
  return is_fused_op(n, kCudaEltwise) ? ok_status() : not_accepted("not a CudaEltwise");
}

Result<std::unique_ptr<Step>> make_eltwise(StepEnv& env, const ir::Node& n) {
  const ir::Value* x = n.input(0);
  const ir::Value* y = n.output(0);
  auto s = std::make_unique<EltwiseStep>();
  ASSIGN_OR_RETURN(s->chain, eltwise_chain_for(n));
  s->n = shape_numel(y->shape());
  s->x_half = is_half(x);
  s->y_half = is_half(y);
  for (size_t j = 1; j < n.inputs().size(); ++j) {
    ASSIGN_OR_RETURN(void* p, env.device(n.input(j)));
    s->operands.push_back(p);
  }
  ASSIGN_OR_RETURN(s->x, env.device(x));
  ASSIGN_OR_RETURN(s->y, env.device(y));
  return std::unique_ptr<Step>(std::move(s));
}

}  // namespace

const CudaKernel kEltwiseChainKernel = {
    .name = "actrt.eltwise_chain",
    .summary = "fused elementwise chains (unary, binary with broadcast operands, activations)",
    .accepts = eltwise_accepts,
    .make_step = make_eltwise,
};

}  // namespace actrt::cuda
