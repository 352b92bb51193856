// Row-major matrix products on cuBLASLt, with bias / ReLU epilogues and strided batches.
//
// C[b] (M x N) = alpha * op(A[b]) (M x K) @ op(B[b]) (K x N) (+ bias[N] or + addend[M, N])
// (ReLU), all row-major.
// cuBLASLt is column-major, so the call computes C^T = op(B)^T op(A)^T: a row-major matrix is
// the column-major view of its transpose, which needs no data movement.
#pragma once

#include <cublasLt.h>
#include <cuda_runtime.h>

#include <string>

#include "actrt/dtype.h"
#include "actrt/precision.h"
#include "actrt/status.h"
#include "ir/graph.h"

namespace actrt::cuda {

// Workspace limit of every cuBLASLt product, at build (tactic timing) and in contexts: the
// heuristic's candidate list depends on it, so both must use the same value.
inline constexpr size_t kLtWorkspaceBytes = size_t{32} << 20;
// How many of the heuristic's candidates a build times; a plan stores the index of the winner
// (CudaMatMul attribute `lt_algo`), and contexts ask for the same number to find it again.
inline constexpr int kLtCandidates = 8;

struct GemmSpec {
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false;  // A stored [K, M]
  bool trans_b = false;  // B stored [N, K]
  int64_t batch = 1;
  int64_t stride_a = 0, stride_b = 0, stride_c = 0;  // elements between batches
  float alpha = 1.0f;
  bool bias = false;    // + bias[N] (cuBLASLt epilogue)
  bool addend = false;  // + a full [M, N] matrix (cuBLASLt's C with beta = 1; not with bias)
  bool relu = false;
  DataType dtype = DataType::kFloat32;  // C and bias (and A and B unless ab_dtype says)
  // A and B when they differ from C: BF16 products read BF16 and write FP32 (cuBLASLt has no
  // BF16 x BF16 -> FP16); INT8 products read int8 and write int32. kUndefined: same as dtype.
  DataType ab_dtype = DataType::kUndefined;
  Precision precision = Precision::kFp32;

  DataType ab_type() const { return ab_dtype == DataType::kUndefined ? dtype : ab_dtype; }
};

class LtGemm {
 public:
  LtGemm() = default;
  LtGemm(const LtGemm&) = delete;
  LtGemm& operator=(const LtGemm&) = delete;
  ~LtGemm();

  // Descriptors and algorithm number `algo_index` of the heuristic's list for `spec` within
  // `max_workspace` bytes (0: the heuristic's best). An index past the list (an engine built
  // with another cuBLASLt) falls back to 0 with a warning: same results, maybe slower.
  Status init(cublasLtHandle_t h, const GemmSpec& spec, size_t max_workspace,
              const std::string& where, int algo_index = 0);
  // Length of the heuristic's list found by init() (at most kLtCandidates).
  int candidates() const { return candidates_; }
  // `bias` is the bias vector, or the [M, N] addend when spec.addend.
  Status run(cublasLtHandle_t h, const void* a, const void* b, const void* bias, void* c,
             void* workspace, size_t workspace_bytes, cudaStream_t stream) const;
  size_t workspace_bytes() const { return algo_workspace_; }

 private:
  std::string where_;
  GemmSpec spec_;
  cublasLtMatmulDesc_t op_ = nullptr;
  cublasLtMatrixLayout_t la_ = nullptr, lb_ = nullptr, lc_ = nullptr;
  cublasLtMatmulAlgo_t algo_{};
  size_t algo_workspace_ = 0;
  int candidates_ = 0;
};

// The product a CudaMatMul node computes in `precision` (shapes from its values).
GemmSpec matmul_gemm_spec(const ir::Node& node, Precision precision);

// Times the heuristic's candidates for `spec` (up to kLtCandidates) on scratch buffers and
// returns the index of the fastest (ties: the lower index), its time in `best_ms`.
Result<int> time_lt_algos(cublasLtHandle_t h, const GemmSpec& spec, size_t max_workspace,
                          const std::string& where, double* best_ms);

}  // namespace actrt::cuda
