// ONNX QuantizeLinear / DequantizeLinear with a constant per-tensor scale and int8 zero point.
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/kernels.h"
#include "backends/cuda/steps/families.h"

namespace actrt::cuda {

namespace {

class QuantizeStep : public Step {
 public:
  const void* in = nullptr;
  void* out = nullptr;
  bool dequantize = false;
  bool float_half = false;  // the floating-point side is FP16
  int64_t n = 0;
  float scale = 1;
  int zero_point = 0;
  Status run(const RunEnv& env) override {
    CUDA_RETURN_IF_ERROR(
        dequantize ? launch_dequantize_int8(static_cast<const int8_t*>(in), out, float_half, n,
                                            scale, zero_point, env.stream)
                   : launch_quantize_int8(in, float_half, static_cast<int8_t*>(out), n, scale,
                                          zero_point, env.stream),
        name);
    return ok_status();
  }
};

// Per-tensor FP32 scale, optional scalar int8 zero point, int8 on one side and FP32 / FP16 on
// the other.
Status qdq_accepts(const ir::Node& n, bool quantize) {
  const char* type = quantize ? "QuantizeLinear" : "DequantizeLinear";
  if (!n.domain().empty() || n.op_type() != type) return not_accepted(std::string("not a ") + type);
  const ir::Value* scale = n.input(1);
  const ir::Value* zp = n.input(2);
  const ir::Value* f = quantize ? n.input(0) : n.output(0);
  const ir::Value* i8 = quantize ? n.output(0) : n.input(0);
  const bool per_tensor = scale && scale->is_constant() && scale->dtype() == DataType::kFloat32 &&
                          scale->constant().numel() == 1 &&
                          (!zp || (zp->is_constant() && zp->dtype() == DataType::kInt8 &&
                                   zp->constant().numel() == 1));
  if (!per_tensor) return not_accepted("needs a constant per-tensor FP32 scale and int8 zero point");
  if (!f || !i8 || i8->dtype() != DataType::kInt8 ||
      (f->dtype() != DataType::kFloat32 && f->dtype() != DataType::kFloat16))
    return not_accepted("needs int8 and FP32 / FP16 sides");
  return ok_status();
}
Status quantize_accepts(const ir::Node& n) { return qdq_accepts(n, true); }
Status dequantize_accepts(const ir::Node& n) { return qdq_accepts(n, false); }

Result<std::unique_ptr<Step>> make_qdq(StepEnv& env, const ir::Node& n, bool dequantize) {
  const ir::Value* x = n.input(0);
  const ir::Value* y = n.output(0);
  auto s = std::make_unique<QuantizeStep>();
  s->dequantize = dequantize;
  ASSIGN_OR_RETURN(s->in, env.device(x));
  ASSIGN_OR_RETURN(s->out, env.device(y));
  s->float_half = is_half(dequantize ? y : x);
  s->n = shape_numel(y->shape());
  s->scale = n.input(1)->constant().data<float>()[0];
  s->zero_point = n.input(2) ? n.input(2)->constant().data<int8_t>()[0] : 0;
  return std::unique_ptr<Step>(std::move(s));
}
Result<std::unique_ptr<Step>> make_quantize(StepEnv& env, const ir::Node& n) {
  return make_qdq(env, n, false);
}
Result<std::unique_ptr<Step>> make_dequantize(StepEnv& env, const ir::Node& n) {
  return make_qdq(env, n, true);
}

}  // namespace

const CudaKernel kQuantizeKernel = {
    .name = "actrt.quantize_int8",
    .summary = "QuantizeLinear, per-tensor scale, FP32 / FP16 -> int8",
    .accepts = quantize_accepts,
    .make_step = make_quantize,
};

const CudaKernel kDequantizeKernel = {
    .name = "actrt.dequantize_int8",
    .summary = "DequantizeLinear, per-tensor scale, int8 -> FP32 / FP16",
    .accepts = dequantize_accepts,
    .make_step = make_dequantize,
};

}  // namespace actrt::cuda
