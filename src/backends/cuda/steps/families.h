// The kernel entries each family file under steps/ defines; steps/table.cc orders them into
// the table. A new kernel is one entry in its family's file, declared here and placed there.
#pragma once

#include "backends/cuda/kernel_table.h"

namespace actrt::cuda {

// views.cc: nodes that need no step
extern const CudaKernel kConstantKernel;
extern const CudaKernel kViewKernel;
// conv.cc
extern const CudaKernel kWinogradConvKernel;
extern const CudaKernel kCudnnGraphConvKernel;
extern const CudaKernel kCudnnLegacyConvKernel;
// pool.cc
extern const CudaKernel kMaxPoolKernel;
// matmul.cc
extern const CudaKernel kInt8MatMulKernel;
extern const CudaKernel kMatMulKernel;
// attention.cc
extern const CudaKernel kFlashAttentionKernel;
extern const CudaKernel kAttentionSoftmaxKernel;
// normalization.cc
extern const CudaKernel kLayerNormKernel;
extern const CudaKernel kSoftmaxKernel;
// eltwise.cc
extern const CudaKernel kEltwiseChainKernel;
// copy.cc
extern const CudaKernel kCopyPiecesKernel;
extern const CudaKernel kStridedCopyKernel;
// gather.cc
extern const CudaKernel kGatherKernel;
// cast.cc
extern const CudaKernel kCastKernel;
// quantize.cc
extern const CudaKernel kQuantizeKernel;
extern const CudaKernel kDequantizeKernel;
// host_fallback.cc
extern const CudaKernel kHostFallbackKernel;

// Helpers the family files share.
inline bool is_fused_op(const ir::Node& n, const char* type) {
  return n.domain() == runtime::kFusedDomain && n.op_type() == type;
}
inline bool is_half(const ir::Value* v) { return v->dtype() == DataType::kFloat16; }
// kUnsupported with the reason, for accepts().
inline Status not_accepted(std::string reason) { return unsupported(std::move(reason)); }

}  // namespace actrt::cuda
