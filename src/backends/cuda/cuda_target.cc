#include "backends/cuda/cuda_target.h"

#include <charconv>

#include <fmt/format.h>

namespace actrt::cuda {

namespace {

std::string version_text(const LibraryVersion& v) {
  return v.known() ? fmt::format("{}.{}.{}", v.major, v.minor, v.patch) : "unrecorded";
}

std::string sm_text(int sm) { return fmt::format("sm_{}{}", sm / 10, sm % 10); }

// "sm_90 (cuDNN 9.19.0, cuBLASLt 13.0.2)", or "sm_90" when no version is known.
std::string describe(const CudaTarget& t) {
  if (!t.cudnn.known() && !t.cublaslt.known()) return sm_text(t.sm);
  return fmt::format("{} (cuDNN {}, cuBLASLt {})", sm_text(t.sm), version_text(t.cudnn),
                     version_text(t.cublaslt));
}

bool parse_int(std::string_view s, int* out) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && *out >= 0;
}

bool parse_version(std::string_view s, LibraryVersion* v) {
  const size_t a = s.find('.');
  const size_t b = a == std::string_view::npos ? a : s.find('.', a + 1);
  if (b == std::string_view::npos) return false;
  return parse_int(s.substr(0, a), &v->major) && parse_int(s.substr(a + 1, b - a - 1), &v->minor) &&
         parse_int(s.substr(b + 1), &v->patch) && v->major > 0;
}

constexpr const char* kRebuild =
    "rebuild the engine on this machine (`actrt build MODEL.onnx --backend cuda ...` with the "
    "same options; with --timing-cache FILE the tactics already timed here are reused, so the "
    "rebuild is fast)";

}  // namespace

LibraryVersion cudnn_version_from(long number) {
  if (number <= 0) return {};
  const long major_unit = number >= 90000 ? 10000 : 1000;
  return {static_cast<int>(number / major_unit), static_cast<int>(number % major_unit / 100),
          static_cast<int>(number % 100)};
}

LibraryVersion cublaslt_version_from(long number) {
  if (number <= 0) return {};
  return {static_cast<int>(number / 10000), static_cast<int>(number % 10000 / 100),
          static_cast<int>(number % 100)};
}

std::string format_cuda_target(const CudaTarget& t) {
  std::string s = sm_text(t.sm);
  if (t.cudnn.known()) s += ";cudnn=" + version_text(t.cudnn);
  if (t.cublaslt.known()) s += ";cublasLt=" + version_text(t.cublaslt);
  return s;
}

Result<CudaTarget> parse_cuda_target(std::string_view text) {
  auto bad = [&](std::string_view what) {
    return invalid_model(fmt::format(
        "CUDA engine target '{}': {} (expected \"sm_<cc>[;cudnn=X.Y.Z][;cublasLt=X.Y.Z]\")", text,
        what));
  };
  CudaTarget t;
  size_t pos = 0;
  bool first = true;
  while (pos <= text.size()) {
    size_t end = text.find(';', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view field = text.substr(pos, end - pos);
    if (first) {
      int cc = 0;
      if (field.substr(0, 3) != "sm_" || !parse_int(field.substr(3), &cc) || cc < 10)
        return bad(fmt::format("'{}' is not an architecture like sm_90", field));
      t.sm = cc;
      first = false;
    } else if (field.substr(0, 6) == "cudnn=") {
      if (!parse_version(field.substr(6), &t.cudnn)) return bad(fmt::format("bad field '{}'", field));
    } else if (field.substr(0, 9) == "cublasLt=") {
      if (!parse_version(field.substr(9), &t.cublaslt))
        return bad(fmt::format("bad field '{}'", field));
    } else {
      return bad(fmt::format("unknown field '{}'", field));
    }
    pos = end + 1;
  }
  return t;
}

TargetVerdict check_cuda_target(const CudaTarget& built, const CudaTarget& here) {
  TargetVerdict v;
  const std::string both =
      fmt::format("the engine was built for {} but this machine is {}", describe(built), describe(here));
  if (built.sm != here.sm) {
    v.status = version_mismatch(fmt::format(
        "{}: cuDNN and cuBLASLt tactics are chosen per GPU architecture; {}", both, kRebuild));
    return v;
  }
  if (built.cudnn.known() && here.cudnn.known() && built.cudnn.major != here.cudnn.major) {
    v.status = version_mismatch(fmt::format(
        "{}: another major cuDNN version numbers its engines differently; {}", both, kRebuild));
    return v;
  }
  if (built.cublaslt.known() && here.cublaslt.known() &&
      built.cublaslt.major != here.cublaslt.major) {
    v.status = version_mismatch(fmt::format(
        "{}: another major cuBLASLt version offers other algorithms; {}", both, kRebuild));
    return v;
  }
  v.status = ok_status();
  if ((built.cudnn.known() && here.cudnn.known() && !(built.cudnn == here.cudnn)) ||
      (built.cublaslt.known() && here.cublaslt.known() && !(built.cublaslt == here.cublaslt)))
    v.warning = fmt::format(
        "{}: it runs, but its tactics were timed with other library versions and may not be the "
        "fastest here; to retune, {}",
        both, kRebuild);
  return v;
}

}  // namespace actrt::cuda
