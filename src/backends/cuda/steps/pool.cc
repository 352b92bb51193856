// CudaMaxPool: 2-D max pooling on NHWC data.
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/kernels.h"
#include "backends/cuda/steps/families.h"

namespace actrt::cuda {

namespace {

class PoolStep : public Step {
 public:
  const void* x = nullptr;
  void* y = nullptr;
  PoolNhwc p{};
  bool half = false;
  Status run(const RunEnv& env) override {
    CUDA_RETURN_IF_ERROR(launch_maxpool_nhwc(x, y, p, half, env.stream), name);
    return ok_status();
  }
};

Status maxpool_accepts(const ir::Node& n) {
  return is_fused_op(n, kCudaMaxPool) ? ok_status() : not_accepted("not a CudaMaxPool");
}

Result<std::unique_ptr<Step>> make_maxpool(StepEnv& env, const ir::Node& n) {
  const ir::Value* x = n.input(0);
  const ir::Value* y = n.output(0);
  auto s = std::make_unique<PoolStep>();
  const Shape& xs = x->shape();
  const Shape& ys = y->shape();
  auto k = n.attr_ints("kernel_shape", {}).value();
  auto st = n.attr_ints("strides", {1, 1}).value();
  auto pd = n.attr_ints("pads", {0, 0, 0, 0}).value();
  auto dl = n.attr_ints("dilations", {1, 1}).value();
  if (xs.size() != 4 || ys.size() != 4 || k.size() < 2 || st.size() < 2 || pd.size() < 2 ||
      dl.size() < 2)
    return invalid_model(n.describe() + ": expects NHWC data and 2-D kernel_shape, strides, " +
                         "pads and dilations");
  s->p = PoolNhwc{int(xs[0]), int(xs[1]), int(xs[2]), int(xs[3]), int(ys[1]), int(ys[2]),
                  int(k[0]),  int(k[1]),  int(st[0]), int(st[1]), int(pd[0]), int(pd[1]),
                  int(dl[0]), int(dl[1])};
  s->half = is_half(x);
  ASSIGN_OR_RETURN(s->x, env.device(x));
  ASSIGN_OR_RETURN(s->y, env.device(y));
  return std::unique_ptr<Step>(std::move(s));
}

}  // namespace

const CudaKernel kMaxPoolKernel = {
    .name = "actrt.maxpool_nhwc",
    .summary = "2-D max pooling on NHWC data (the ResNet stem)",
    .accepts = maxpool_accepts,
    .make_step = make_maxpool,
};

}  // namespace actrt::cuda
