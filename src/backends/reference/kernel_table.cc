#include <array>
#include <utility>

#include "backends/reference/reference_kernels.h"

namespace actrt::reference {

namespace {
constexpr std::pair<std::string_view, KernelFn> kKernels[] = {
#define ACTRT_OP(name, quant, traits) {#name, &ref_##name},
#include "ops/ops.def"
#undef ACTRT_OP
};
}  // namespace

KernelFn find_kernel(std::string_view op_type) {
  for (const auto& [name, fn] : kKernels)
    if (name == op_type) return fn;
  return nullptr;
}

}  // namespace actrt::reference
