#include "backends/cuda/matmul.h"

#include <algorithm>

#include "actrt/log.h"
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/tactic_timer.h"

namespace actrt::cuda {

namespace {

Result<cudaDataType_t> lt_type(DataType t, const std::string& where) {
  switch (t) {
    case DataType::kFloat32: return CUDA_R_32F;
    case DataType::kFloat16: return CUDA_R_16F;
    case DataType::kBFloat16: return CUDA_R_16BF;
    case DataType::kInt8: return CUDA_R_8I;
    case DataType::kInt32: return CUDA_R_32I;
    default:
      return unsupported(where + ": cuBLASLt products of " + std::string(dtype_name(t)) +
                         " data are not built (f32, f16, bf16, and i8 -> i32 are)");
  }
}

}  // namespace

LtGemm::~LtGemm() {
  if (la_) cublasLtMatrixLayoutDestroy(la_);
  if (lb_) cublasLtMatrixLayoutDestroy(lb_);
  if (lc_) cublasLtMatrixLayoutDestroy(lc_);
  if (op_) cublasLtMatmulDescDestroy(op_);
}

Status LtGemm::init(cublasLtHandle_t h, const GemmSpec& s, size_t max_workspace,
                    const std::string& where, int algo_index) {
  where_ = where;
  spec_ = s;
  ASSIGN_OR_RETURN(const cudaDataType_t t, lt_type(s.dtype, where));
  ASSIGN_OR_RETURN(const cudaDataType_t ab, lt_type(s.ab_type(), where));
  // FP32: plain FP32 FMA math (no TF32); TF32: the fast-TF32 compute type; FP16 and BF16:
  // 16-bit data with FP32 accumulation.
  // INT8: int8 data, int32 accumulation and output (the scales come after: MatMulStep).
  const bool int8 = s.ab_type() == DataType::kInt8;
  const cublasComputeType_t compute =
      int8 ? CUBLAS_COMPUTE_32I
           : s.precision == Precision::kTf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  CUBLAS_RETURN_IF_ERROR(cublasLtMatmulDescCreate(&op_, compute, int8 ? CUDA_R_32I : CUDA_R_32F),
                         where);
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
  CUBLAS_RETURN_IF_ERROR(cublasLtMatrixLayoutCreate(&la_, ab, a_rows, a_cols, a_rows), where);
  CUBLAS_RETURN_IF_ERROR(cublasLtMatrixLayoutCreate(&lb_, ab, b_rows, b_cols, b_rows), where);
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
  // Always the same list length, at build and in contexts, so that an index means the same
  // algorithm in both.
  cublasLtMatmulHeuristicResult_t results[kLtCandidates] = {};
  int found = 0;
  if (st == CUBLAS_STATUS_SUCCESS)
    st = cublasLtMatmulAlgoGetHeuristic(h, op_, la_, lb_, lc_, lc_, pref, kLtCandidates, results,
                                        &found);
  cublasLtMatmulPreferenceDestroy(pref);
  CUBLAS_RETURN_IF_ERROR(st, where);
  if (found == 0)
    return unsupported(where + ": cuBLASLt has no algorithm for a " + std::to_string(s.m) + "x" +
                       std::to_string(s.n) + "x" + std::to_string(s.k) + " product");
  candidates_ = found;
  if (algo_index < 0 || algo_index >= found) {
    log_warning(where + ": the plan asks for cuBLASLt candidate " + std::to_string(algo_index) +
                " but this cuBLASLt offers " + std::to_string(found) +
                " (built with another version?); using its first");
    algo_index = 0;
  }
  algo_ = results[algo_index].algo;
  algo_workspace_ = results[algo_index].workspaceSize;
  return ok_status();
}

Status LtGemm::run(cublasLtHandle_t h, const void* a, const void* b, const void* bias, void* c,
                   void* workspace, size_t ws_bytes, cudaStream_t stream) const {
  if (spec_.bias)
    CUBLAS_RETURN_IF_ERROR(cublasLtMatmulDescSetAttribute(
                               op_, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias)),
                           where_);
  const float alpha = spec_.alpha, beta = spec_.addend ? 1.0f : 0.0f;
  const int32_t alpha_i = 1, beta_i = 0;  // INT8 products: integer scale type
  const bool int8 = spec_.ab_type() == DataType::kInt8;
  const void* c_in = spec_.addend ? bias : c;
  CUBLAS_RETURN_IF_ERROR(cublasLtMatmul(h, op_, int8 ? static_cast<const void*>(&alpha_i) : &alpha,
                                        b, la_, a, lb_,
                                        int8 ? static_cast<const void*>(&beta_i) : &beta, c_in,
                                        lc_, c, lc_, &algo_, workspace, ws_bytes, stream),
                         where_);
  return ok_status();
}

GemmSpec matmul_gemm_spec(const ir::Node& n, Precision precision) {
  const Shape& as = n.input(0)->shape();
  const Shape& bs = n.input(1)->shape();
  GemmSpec spec;
  spec.trans_b = n.attr_int("trans_b", 0).value() != 0;
  spec.alpha = n.attr_float("alpha", 1.0f).value();
  spec.relu = n.attr_int("relu", 0).value() != 0;
  const ir::Value* c = n.input(2);
  spec.bias = c && c->shape().size() == 1;
  spec.addend = c && c->shape().size() == 2;
  spec.dtype = n.output(0)->dtype();
  if (n.input(0)->dtype() != spec.dtype) spec.ab_dtype = n.input(0)->dtype();
  spec.precision = precision;
  if (spec.ab_dtype == DataType::kInt8) {
    // int32 accumulators only: bias, scales and ReLU are MatMulStep's dequantize kernel.
    spec.dtype = DataType::kInt32;
    spec.bias = spec.addend = spec.relu = false;
    spec.alpha = 1.0f;
  }
  spec.k = as.back();
  spec.n = spec.trans_b ? bs[bs.size() - 2] : bs.back();
  if (bs.size() == 2) {
    spec.m = shape_numel(as) / spec.k;
  } else {
    spec.m = as[as.size() - 2];
    spec.batch = shape_numel(as) / (spec.m * spec.k);
    spec.stride_a = spec.m * spec.k;
    spec.stride_b = spec.k * spec.n;
    spec.stride_c = spec.m * spec.n;
  }
  return spec;
}

Result<int> time_lt_algos(cublasLtHandle_t h, const GemmSpec& spec, size_t max_workspace,
                          const std::string& where, double* best_ms) {
  LtGemm first;
  RETURN_IF_ERROR(first.init(h, spec, max_workspace, where, 0));
  const int count = first.candidates();
  const size_t es = dtype_size(spec.dtype), ab_es = dtype_size(spec.ab_type());
  const auto span = [&](int64_t stride, int64_t one, size_t elem) {
    return static_cast<size_t>((spec.batch - 1) * stride + one) * elem;
  };
  const size_t a_bytes = span(spec.stride_a, spec.m * spec.k, ab_es);
  const size_t b_bytes = span(spec.stride_b, spec.k * spec.n, ab_es);
  const size_t c_bytes = span(spec.stride_c, spec.m * spec.n, es);
  const size_t bias_bytes = static_cast<size_t>(spec.addend ? spec.m * spec.n : spec.n) * es;
  TuningScratch scratch(where);
  ASSIGN_OR_RETURN(void* a, scratch.alloc(a_bytes));
  ASSIGN_OR_RETURN(void* b, scratch.alloc(b_bytes));
  ASSIGN_OR_RETURN(void* c, scratch.alloc(c_bytes));
  ASSIGN_OR_RETURN(void* bias, scratch.alloc(bias_bytes));
  ASSIGN_OR_RETURN(void* ws, scratch.alloc(max_workspace));
  cudaStream_t stream = nullptr;
  CUDA_RETURN_IF_ERROR(cudaStreamCreate(&stream), where + " tuning");
  int best = -1;
  double best_time = 1e30;
  std::string refusals;
  for (int i = 0; i < count; ++i) {
    LtGemm g;
    Status r = g.init(h, spec, max_workspace, where, i);
    if (!r.ok()) {
      refusals += ' ';  // (appends: GCC 12 -Wrestrict false positive on " " + string)
      refusals += std::to_string(i) + ": " + r.message() + ";";
      continue;
    }
    Result<double> ms = time_tactic(
        stream, [&] { return g.run(h, a, b, bias, c, ws, max_workspace, stream); }, where);
    if (!ms.ok()) {
      refusals += ' ';
      refusals += std::to_string(i) + ": " + ms.status().message() + ";";
      continue;
    }
    if (*ms < best_time) {
      best_time = *ms;
      best = i;
    }
  }
  cudaStreamDestroy(stream);
  if (best < 0)
    return unsupported(where + ": none of cuBLASLt's " + std::to_string(count) +
                       " candidates ran:" + refusals);
  if (best_ms) *best_ms = best_time;
  return best;
}

}  // namespace actrt::cuda
