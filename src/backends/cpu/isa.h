// CPU instruction-set features: what this machine has, and whether a plan built elsewhere runs.
//
// A target string is the architecture, ':' and the comma-separated features in a fixed order:
//   x86_64:  avx2, avx512f, avx512_vnni, avx512_bf16, amx_tile, amx_int8, amx_bf16
//            e.g. "x86_64:avx2,avx512f,avx512_vnni"
//   aarch64: asimd, asimdhp, asimddp, i8mm, bf16, sve, sve2 (Linux hwcap names)
//            e.g. "aarch64:asimd,asimdhp,asimddp" (Jetson Orin's Cortex-A78AE)
// A plan runs on a CPU of the same architecture that has every feature of its target.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "actrt/status.h"

namespace actrt::cpu {

// "x86_64", "aarch64", or the compiler's name for another architecture (no features then).
std::string_view cpu_arch();
// Features of this CPU that the OS has enabled (x86: XSAVE state checked; aarch64: hwcaps), in
// canonical order.
std::vector<std::string> detect_cpu_features();
// cpu_arch() + ":" + the features.
std::string make_target(const std::vector<std::string>& features);
std::string current_cpu_target();
// ok when both targets name one architecture and every feature of `plan_target` is present in
// `host_target`; the error names both.
Status check_cpu_target(std::string_view plan_target, std::string_view host_target);

}  // namespace actrt::cpu
