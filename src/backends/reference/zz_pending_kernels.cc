// TEMPORARY during bring-up: weak fallbacks so the tree links while op families land.
// Delete this file once every op in ops.def has its reference kernel.
#include "backends/reference/reference_kernels.h"

namespace actrt::reference {
#define ACTRT_OP(name, quant) \
  __attribute__((weak)) Status ref_##name(const KernelArgs& args) { \
    return unsupported(args.node.describe() + ": reference kernel not implemented yet"); }
#include "ops/ops.def"
#undef ACTRT_OP
}  // namespace actrt::reference
