// The CUDA kernel table in priority order (kernel_table.h): the one place where the entries
// that the family files define are ordered. kernel_table.cc (below the families) answers from it.
#include "backends/cuda/steps/families.h"

namespace actrt::cuda {

std::span<const CudaKernel> cuda_kernels() {
  // Priority order: the first kernel that accepts a node runs it. Folded constants and views
  // first (they cost nothing), the host fallback last. Built on first use: the entries are
  // constant-initialized in their own files.
  static const std::vector<CudaKernel> table = {
      kConstantKernel,
      kWinogradConvKernel,
      kCudnnGraphConvKernel,
      kCudnnLegacyConvKernel,
      kMaxPoolKernel,
      kInt8MatMulKernel,
      kMatMulKernel,
      kFlashAttentionKernel,
      kAttentionSoftmaxKernel,
      kLayerNormKernel,
      kEltwiseChainKernel,
      kCopyPiecesKernel,
      kViewKernel,
      kCastKernel,
      kQuantizeKernel,
      kDequantizeKernel,
      kStridedCopyKernel,
      kGatherKernel,
      kSoftmaxKernel,
      kHostFallbackKernel,
  };
  return table;
}

}  // namespace actrt::cuda
