// Gather with constant indices along one axis.
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/kernels.h"
#include "backends/cuda/steps/families.h"

namespace actrt::cuda {

namespace {

class GatherStep : public Step {
 public:
  const void* data = nullptr;
  const int64_t* idx = nullptr;
  void* out = nullptr;
  int64_t outer = 0, axis = 0, n = 0, inner = 0;
  size_t elem = 4;
  Status run(const RunEnv& env) override {
    CUDA_RETURN_IF_ERROR(launch_gather(data, idx, out, outer, axis, n, inner, elem, env.stream),
                         name);
    return ok_status();
  }
};

Status gather_accepts(const ir::Node& n) {
  if (!n.domain().empty() || n.op_type() != "Gather") return not_accepted("not a Gather");
  if (!n.input(1) || !n.input(1)->is_constant())
    return not_accepted("indices computed at run time");
  return ok_status();
}

Result<std::unique_ptr<Step>> make_gather(StepEnv& env, const ir::Node& n) {
  const ir::Value* x = n.input(0);
  auto s = std::make_unique<GatherStep>();
  const Shape& xs = x->shape();
  ASSIGN_OR_RETURN(int64_t axis, n.attr_int("axis", 0));
  if (axis < 0) axis += int64_t(xs.size());
  std::vector<int64_t> idx = n.input(1)->constant().to_int64_vector();
  for (int64_t& v : idx) {
    if (v < 0) v += xs[axis];
    if (v < 0 || v >= xs[axis])
      return invalid_model(n.describe() + ": index out of range for axis of size " +
                           std::to_string(xs[axis]));
  }
  // Normalized indices belong to this context alone (not to the shared weight cache).
  ASSIGN_OR_RETURN(void* ib, env.upload_owned(idx.data(), idx.size() * sizeof(int64_t),
                                              n.describe()));
  s->idx = static_cast<const int64_t*>(ib);
  s->outer = 1;
  for (int64_t k = 0; k < axis; ++k) s->outer *= xs[k];
  s->axis = xs[axis];
  s->n = int64_t(idx.size());
  s->inner = 1;
  for (size_t k = axis + 1; k < xs.size(); ++k) s->inner *= xs[k];
  s->elem = dtype_size(x->dtype());
  ASSIGN_OR_RETURN(s->data, env.device(x));
  ASSIGN_OR_RETURN(s->out, env.device(n.output(0)));
  return std::unique_ptr<Step>(std::move(s));
}

}  // namespace

const CudaKernel kGatherKernel = {
    .name = "actrt.gather",
    .summary = "Gather with constant indices",
    .accepts = gather_accepts,
    .make_step = make_gather,
};

}  // namespace actrt::cuda
