// TEMPORARY during bring-up: weak fallbacks so the tree links while op families land.
// Delete this file once every op in ops.def has its inference function.
#include "ops/op_registry.h"

namespace actrt::ops {
#define ACTRT_OP(name, quant) \
  __attribute__((weak)) Status infer_##name(InferContext& ctx) { \
    return unsupported(ctx.node().describe() + ": shape inference not implemented yet"); }
#include "ops/ops.def"
#undef ACTRT_OP
}  // namespace actrt::ops
