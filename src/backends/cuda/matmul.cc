#include "backends/cuda/matmul.h"

#include "backends/cuda/cuda_check.h"

namespace actrt::cuda {

LtGemm::~LtGemm() {
  if (la_) cublasLtMatrixLayoutDestroy(la_);
  if (lb_) cublasLtMatrixLayoutDestroy(lb_);
  if (lc_) cublasLtMatrixLayoutDestroy(lc_);
  if (op_) cublasLtMatmulDescDestroy(op_);
}

Status LtGemm::init(cublasLtHandle_t h, const GemmSpec& s, size_t max_workspace,
                    const std::string& where) {
  where_ = where;
  spec_ = s;
  const cudaDataType_t t = s.dtype == DataType::kFloat16 ? CUDA_R_16F : CUDA_R_32F;
  // FP32: plain FP32 FMA math (no TF32); TF32: the fast-TF32 compute type; FP16: FP16 data
  // with FP32 accumulation.
  const cublasComputeType_t compute =
      s.precision == Precision::kTf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  CUBLAS_RETURN_IF_ERROR(cublasLtMatmulDescCreate(&op_, compute, CUDA_R_32F), where);
  // Column-major view: Lt's A is our B, Lt's B is our A (see matmul.h).
  const cublasOperation_t op_lt_a = s.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_lt_b = s.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  CUBLAS_RETURN_IF_ERROR(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSA,
                                                        &op_lt_a, sizeof(op_lt_a)),
                         where);
  CUBLAS_RETURN_IF_ERROR(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSB,
                                                        &op_lt_b, sizeof(op_lt_b)),
                         where);
  cublasLtEpilogue_t epi = CUBLASLT_EPILOGUE_DEFAULT;
  if (s.bias && s.relu) epi = CUBLASLT_EPILOGUE_RELU_BIAS;
  else if (s.bias) epi = CUBLASLT_EPILOGUE_BIAS;
  else if (s.relu) epi = CUBLASLT_EPILOGUE_RELU;
  CUBLAS_RETURN_IF_ERROR(
      cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi, sizeof(epi)),
      where);
  if (s.bias) {
    const cudaDataType_t bt = t;
    CUBLAS_RETURN_IF_ERROR(cublasLtMatmulDescSetAttribute(
                               op_, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &bt, sizeof(bt)),
                           where);
  }
  // Lt A = our B: stored row-major [K, N] = col-major [N, K] (ld N); transposed: [K, N] ld K.
  const uint64_t a_rows = s.trans_b ? s.k : s.n, a_cols = s.trans_b ? s.n : s.k;
  const uint64_t b_rows = s.trans_a ? s.m : s.k, b_cols = s.trans_a ? s.k : s.m;
  CUBLAS_RETURN_IF_ERROR(cublasLtMatrixLayoutCreate(&la_, t, a_rows, a_cols, a_rows), where);
  CUBLAS_RETURN_IF_ERROR(cublasLtMatrixLayoutCreate(&lb_, t, b_rows, b_cols, b_rows), where);
  CUBLAS_RETURN_IF_ERROR(cublasLtMatrixLayoutCreate(&lc_, t, s.n, s.m, s.n), where);
  if (s.batch > 1) {
    const int32_t count = static_cast<int32_t>(s.batch);
    struct L {
      cublasLtMatrixLayout_t l;
      int64_t stride;
    };
    for (L l : {L{la_, s.stride_b}, L{lb_, s.stride_a}, L{lc_, s.stride_c}}) {
      CUBLAS_RETURN_IF_ERROR(cublasLtMatrixLayoutSetAttribute(
                                 l.l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count, sizeof(count)),
                             where);
      CUBLAS_RETURN_IF_ERROR(
          cublasLtMatrixLayoutSetAttribute(l.l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
                                           &l.stride, sizeof(l.stride)),
          where);
    }
  }
  cublasLtMatmulPreference_t pref = nullptr;
  CUBLAS_RETURN_IF_ERROR(cublasLtMatmulPreferenceCreate(&pref), where);
  cublasStatus_t st = cublasLtMatmulPreferenceSetAttribute(
      pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &max_workspace, sizeof(max_workspace));
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  if (st == CUBLAS_STATUS_SUCCESS)
    st = cublasLtMatmulAlgoGetHeuristic(h, op_, la_, lb_, lc_, lc_, pref, 1, &result, &found);
  cublasLtMatmulPreferenceDestroy(pref);
  CUBLAS_RETURN_IF_ERROR(st, where);
  if (found == 0)
    return unsupported(where + ": cuBLASLt has no algorithm for a " + std::to_string(s.m) + "x" +
                       std::to_string(s.n) + "x" + std::to_string(s.k) + " product");
  algo_ = result.algo;
  algo_workspace_ = result.workspaceSize;
  return ok_status();
}

Status LtGemm::run(cublasLtHandle_t h, const void* a, const void* b, const void* bias, void* c,
                   void* workspace, size_t ws_bytes, cudaStream_t stream) const {
  if (spec_.bias)
    CUBLAS_RETURN_IF_ERROR(cublasLtMatmulDescSetAttribute(
                               op_, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias)),
                           where_);
  const float alpha = spec_.alpha, beta = 0.0f;
  CUBLAS_RETURN_IF_ERROR(cublasLtMatmul(h, op_, &alpha, b, la_, a, lb_, &beta, c, lc_, c, lc_,
                                        &algo_, workspace, ws_bytes, stream),
                         where_);
  return ok_status();
}

}  // namespace actrt::cuda
