// CPU instruction-set features: what this machine has, and whether a plan built elsewhere runs.
//
// A target string is "x86_64:" followed by the comma-separated features in a fixed order
// (avx2, avx512f, avx512_vnni, avx512_bf16, amx_tile, amx_int8, amx_bf16), e.g.
// "x86_64:avx2,avx512f,avx512_vnni". A plan runs on a CPU that has every feature of its target.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "actrt/status.h"

namespace actrt::cpu {

// Features of this CPU that the OS has enabled (XSAVE state checked), in canonical order.
std::vector<std::string> detect_cpu_features();
std::string make_target(const std::vector<std::string>& features);
std::string current_cpu_target();
// ok when every feature of `plan_target` is present in `host_target`; the error names both.
Status check_cpu_target(std::string_view plan_target, std::string_view host_target);

}  // namespace actrt::cpu
