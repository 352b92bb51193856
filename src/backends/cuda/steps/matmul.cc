// CudaMatMul: cuBLASLt matrix products with fused bias / ReLU / addend epilogues (matmul.h),
// and INT8 products (int8_lowering.h): int8 x int8 -> int32 accumulators in arena scratch, then
// a dequantize kernel applies acc * a_scale * w_scale[col] + bias[col] and the ReLU.
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/int8_lowering.h"
#include "backends/cuda/kernels.h"
#include "backends/cuda/matmul.h"
#include "backends/cuda/steps/families.h"

namespace actrt::cuda {

namespace {

class MatMulStep : public Step {
 public:
  LtGemm gemm;
  const void *a = nullptr, *b = nullptr, *bias = nullptr;
  void* c = nullptr;
  Status run(const RunEnv& env) override {
    return gemm.run(env.lt, a, b, bias, c, env.workspace, env.workspace_bytes, env.stream);
  }
};

class Int8MatMulStep : public MatMulStep {
 public:
  bool relu = false, y_half = false;
  int32_t* acc = nullptr;  // arena scratch
  const float* scale = nullptr;
  int64_t rows = 0, cols = 0;
  Status run(const RunEnv& env) override {
    RETURN_IF_ERROR(gemm.run(env.lt, a, b, nullptr, acc, env.workspace, env.workspace_bytes,
                             env.stream));
    CUDA_RETURN_IF_ERROR(launch_dequantize_columns(acc, scale, static_cast<const float*>(bias),
                                                   relu, c, y_half, rows, cols, env.stream),
                         name);
    return ok_status();
  }
};

// The cuBLASLt product of either kind: lt_algo is the candidate the build timed fastest
// (absent: the heuristic's first).
Status init_product(StepEnv& env, const ir::Node& n, MatMulStep& s) {
  RETURN_IF_ERROR(s.gemm.init(env.lt, matmul_gemm_spec(n, env.precision), kLtWorkspaceBytes,
                              n.describe(), int(n.attr_int("lt_algo", 0).value())));
  ASSIGN_OR_RETURN(s.a, env.device(n.input(0)));
  ASSIGN_OR_RETURN(s.b, env.device(n.input(1)));
  ASSIGN_OR_RETURN(s.bias, env.device(n.input(2)));
  ASSIGN_OR_RETURN(s.c, env.device(n.output(0)));
  return ok_status();
}

Status matmul_accepts(const ir::Node& n) {
  if (!is_fused_op(n, kCudaMatMul)) return not_accepted("not a CudaMatMul");
  return is_int8_matmul(n) ? not_accepted("an INT8 product") : ok_status();
}

Result<std::unique_ptr<Step>> make_matmul(StepEnv& env, const ir::Node& n) {
  auto s = std::make_unique<MatMulStep>();
  RETURN_IF_ERROR(init_product(env, n, *s));
  return std::unique_ptr<Step>(std::move(s));
}

Status int8_matmul_accepts(const ir::Node& n) {
  if (!is_fused_op(n, kCudaMatMul)) return not_accepted("not a CudaMatMul");
  return is_int8_matmul(n) ? ok_status() : not_accepted("not an INT8 product");
}

Result<size_t> int8_matmul_scratch(const ir::Node& n, int) {
  return size_t(shape_numel(n.output(0)->shape())) * sizeof(int32_t);
}

Result<std::unique_ptr<Step>> make_int8_matmul(StepEnv& env, const ir::Node& n) {
  auto s = std::make_unique<Int8MatMulStep>();
  RETURN_IF_ERROR(init_product(env, n, *s));
  ASSIGN_OR_RETURN(void* scale, env.device(n.input(3)));
  s->scale = static_cast<const float*>(scale);
  s->acc = static_cast<int32_t*>(env.scratch);
  s->relu = n.attr_int("relu", 0).value() != 0;
  s->y_half = is_half(n.output(0));
  s->cols = n.input(1)->shape()[0];
  s->rows = shape_numel(n.output(0)->shape()) / s->cols;
  return std::unique_ptr<Step>(std::move(s));
}

}  // namespace

const CudaKernel kInt8MatMulKernel = {
    .name = "cublaslt.matmul_int8",
    .summary = "INT8 matrix products (int32 accumulators, per-column dequantize with bias/ReLU)",
    .accepts = int8_matmul_accepts,
    .make_step = make_int8_matmul,
    .scratch_bytes = int8_matmul_scratch,
};

const CudaKernel kMatMulKernel = {
    .name = "cublaslt.matmul",
    .summary = "FP32 / TF32 / FP16 / BF16 matrix products with bias, ReLU and addend epilogues",
    .accepts = matmul_accepts,
    .make_step = make_matmul,
};

}  // namespace actrt::cuda
