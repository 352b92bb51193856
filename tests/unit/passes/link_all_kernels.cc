// Link-order workaround, to delete together with src/ops/zz_pending_infer.cc and
// src/backends/reference/zz_pending_kernels.cc.
//
// Those files define weak "not implemented" fallbacks for every op. In a static archive, GNU ld
// pulls zz_pending_*.o (last member) in the same scan that pulls op_registry.o / kernel_table.o,
// before it revisits the family objects, so the weak fallbacks win even though every op now has
// a real definition. Referencing every inference function and kernel from the test binary makes
// the linker resolve them from the family objects first.
#include "backends/reference/reference_kernels.h"
#include "ops/op_registry.h"

namespace actrt::passes::testing {

extern const void* const kLinkAllOps[];
const void* const kLinkAllOps[] = {
#define ACTRT_OP(name, quant) \
  reinterpret_cast<const void*>(&ops::infer_##name), \
  reinterpret_cast<const void*>(&reference::ref_##name),
#include "ops/ops.def"
#undef ACTRT_OP
    nullptr};

}  // namespace actrt::passes::testing
