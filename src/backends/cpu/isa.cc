#include "backends/cpu/isa.h"

#include <cstdint>
#include <set>

#if defined(__x86_64__)
#include <cpuid.h>
#elif defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace actrt::cpu {

namespace {
#if defined(__x86_64__)
constexpr std::string_view kArch = "x86_64";
#elif defined(__aarch64__)
constexpr std::string_view kArch = "aarch64";
#elif defined(__powerpc64__)
constexpr std::string_view kArch = "ppc64";
#elif defined(__riscv)
constexpr std::string_view kArch = "riscv";
#else
constexpr std::string_view kArch = "unknown";
#endif

#if defined(__x86_64__)
uint64_t read_xcr0() {
  uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (uint64_t{edx} << 32) | eax;
}
#endif

// The architecture of a target string: what precedes ':' ("" for a target without one).
std::string_view arch_of(std::string_view target) {
  const size_t colon = target.find(':');
  return colon == std::string_view::npos ? std::string_view{} : target.substr(0, colon);
}

std::vector<std::string> split_features(std::string_view target) {
  std::vector<std::string> out;
  const size_t colon = target.find(':');
  if (colon != std::string_view::npos) target.remove_prefix(colon + 1);
  while (!target.empty()) {
    const size_t comma = target.find(',');
    std::string_view f = target.substr(0, comma);
    if (!f.empty()) out.emplace_back(f);
    if (comma == std::string_view::npos) break;
    target.remove_prefix(comma + 1);
  }
  return out;
}
}  // namespace

std::vector<std::string> detect_cpu_features() {
  std::vector<std::string> f;
#if defined(__x86_64__)
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = (c >> 27) & 1;
  if (!osxsave) return f;
  const uint64_t xcr0 = read_xcr0();
  const bool avx_state = (xcr0 & 0x6) == 0x6;          // SSE + AVX registers saved
  const bool avx512_state = (xcr0 & 0xe6) == 0xe6;     // + opmask, ZMM hi256, hi16 ZMM
  const bool amx_state = (xcr0 & (3ull << 17)) == (3ull << 17);  // XTILECFG + XTILEDATA
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  unsigned a7, b7, c7, d7;
  __cpuid_count(7, 0, a7, b7, c7, d7);
  unsigned a71 = 0, b71, c71, d71;
  if (a7 >= 1) __cpuid_count(7, 1, a71, b71, c71, d71);
  const bool avx2 = avx_state && ((b7 >> 5) & 1) && ((c >> 12) & 1);  // AVX2 + FMA
  const bool avx512f = avx512_state && ((b7 >> 16) & 1);
  if (avx2) f.push_back("avx2");
  if (avx512f) f.push_back("avx512f");
  if (avx512f && ((c7 >> 11) & 1)) f.push_back("avx512_vnni");
  if (avx512f && ((a71 >> 5) & 1)) f.push_back("avx512_bf16");
  if (amx_state && ((d7 >> 24) & 1)) f.push_back("amx_tile");
  if (amx_state && ((d7 >> 25) & 1)) f.push_back("amx_int8");
  if (amx_state && ((d7 >> 22) & 1)) f.push_back("amx_bf16");
#elif defined(__aarch64__) && defined(__linux__)
  // The kernel reports what user space may execute (the hwcap names of /proc/cpuinfo); a
  // header too old to name a feature leaves it out rather than guessing its bit.
  const unsigned long hw = getauxval(AT_HWCAP);
  const unsigned long hw2 = getauxval(AT_HWCAP2);
  (void)hw2;
#ifdef HWCAP_ASIMD
  if (hw & HWCAP_ASIMD) f.push_back("asimd");
#endif
#ifdef HWCAP_ASIMDHP
  if (hw & HWCAP_ASIMDHP) f.push_back("asimdhp");
#endif
#ifdef HWCAP_ASIMDDP
  if (hw & HWCAP_ASIMDDP) f.push_back("asimddp");
#endif
#ifdef HWCAP2_I8MM
  if (hw2 & HWCAP2_I8MM) f.push_back("i8mm");
#endif
#ifdef HWCAP2_BF16
  if (hw2 & HWCAP2_BF16) f.push_back("bf16");
#endif
#ifdef HWCAP_SVE
  if (hw & HWCAP_SVE) f.push_back("sve");
#endif
#ifdef HWCAP2_SVE2
  if (hw2 & HWCAP2_SVE2) f.push_back("sve2");
#endif
#endif
  return f;
}

std::string_view cpu_arch() { return kArch; }

std::string make_target(const std::vector<std::string>& features) {
  std::string t = std::string(kArch) + ":";
  for (size_t i = 0; i < features.size(); ++i) t += (i ? "," : "") + features[i];
  return t;
}

std::string current_cpu_target() {
  static const std::string target = make_target(detect_cpu_features());
  return target;
}

Status check_cpu_target(std::string_view plan_target, std::string_view host_target) {
  const std::string_view host_arch = arch_of(host_target);
  if (arch_of(plan_target) != host_arch || host_arch.empty())
    return version_mismatch("engine built for CPU target '" + std::string(plan_target) +
                            "', another architecture than this CPU's '" +
                            std::string(host_target) + "'; rebuild the engine on this machine");
  const auto host = split_features(host_target);
  const std::set<std::string> have(host.begin(), host.end());
  std::string missing;
  for (const auto& f : split_features(plan_target))
    if (!have.count(f)) missing += (missing.empty() ? "" : ",") + f;
  if (!missing.empty())
    return version_mismatch("engine built for " + std::string(plan_target) + "; this CPU has " +
                            std::string(host_target) + " (missing " + missing + ")");
  return ok_status();
}

}  // namespace actrt::cpu
