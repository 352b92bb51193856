// Cast between floating-point types (FP32, FP16, BF16), and from uint8 camera frames to them (a
// policy engine's first kernel: the frames are uploaded as bytes).
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/kernels.h"
#include "backends/cuda/steps/families.h"

namespace actrt::cuda {

namespace {

class CastStep : public Step {
 public:
  const void* in = nullptr;
  void* out = nullptr;
  DataType in_type = DataType::kFloat32, out_type = DataType::kFloat32;
  int64_t n = 0;
  Status run(const RunEnv& env) override {
    CUDA_RETURN_IF_ERROR(launch_cast(in, in_type, out, out_type, n, env.stream), name);
    return ok_status();
  }
};

Status cast_accepts(const ir::Node& n) {
  if (!n.domain().empty() || n.op_type() != "Cast") return not_accepted("not a Cast");
  const ir::Value* x = n.input(0);
  const ir::Value* y = n.output(0);
  if (!x || !y || !(is_floating(x->dtype()) || x->dtype() == DataType::kUInt8) || !is_floating(y->dtype()))
    return not_accepted("not from a floating-point or uint8 type to a floating-point type");
  return ok_status();
}

Result<std::unique_ptr<Step>> make_cast(StepEnv& env, const ir::Node& n) {
  const ir::Value* x = n.input(0);
  const ir::Value* y = n.output(0);
  auto s = std::make_unique<CastStep>();
  ASSIGN_OR_RETURN(s->in, env.device(x));
  ASSIGN_OR_RETURN(s->out, env.device(y));
  s->in_type = x->dtype();
  s->out_type = y->dtype();
  s->n = shape_numel(y->shape());
  return std::unique_ptr<Step>(std::move(s));
}

}  // namespace

const CudaKernel kCastKernel = {
    .name = "actrt.cast",
    .summary = "Cast between FP32, FP16 and BF16, and from uint8",
    .accepts = cast_accepts,
    .make_step = make_cast,
};

}  // namespace actrt::cuda
