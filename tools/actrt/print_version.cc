// `actrt --version`: the version, the commit, the backends this binary holds or loads (from the
// backend registry, so a backend that did not register is not claimed) and the library versions
// it was compiled against.
#include "print_version.h"

#include <cstdio>
#include <string>

#include "actrt/precision.h"
#include "actrt/version.h"
#include "build_info.h"
#include "runtime/backend.h"
#include "runtime/backend_module.h"

namespace actrt::cli {

namespace {
// "" becomes "not built": a library whose backend is not compiled in.
std::string or_not_built(std::string_view v) { return v.empty() ? "not built" : std::string(v); }
}  // namespace

void print_version() {
  const BuildInfo& info = build_info();
  std::printf("actrt %.*s (commit %.*s, %.*s build; engine files: producer %.*s)\n",
              static_cast<int>(info.version.size()), info.version.data(),
              static_cast<int>(info.git_commit.size()), info.git_commit.data(),
              static_cast<int>(info.build_type.size()), info.build_type.data(),
              static_cast<int>(version_string().size()), version_string().data());
  std::string backends;
  // Every BackendKind (include/actrt/precision.h); find_backend says which are compiled in.
  // A backend built as a module (runtime/backend_module.h) is loaded here to check that it
  // loads; one that does not is listed with the reason, one not built is left out.
  for (BackendKind kind : {BackendKind::kCpu, BackendKind::kCuda}) {
    const runtime::Backend* backend = runtime::find_backend(kind);
    const std::string_view module = runtime::backend_module_name(kind);
    if (!backend && module.empty()) continue;
    if (!backends.empty()) backends += ", ";
    if (!backend) {
      backends += std::string(backend_name(kind)) + " (not loadable: " +
                  runtime::backend_missing_reason(kind) + ")";
      continue;
    }
    backends += std::string(backend_name(kind));
    std::string notes = module.empty() ? "" : "loaded on demand from " + std::string(module);
    if (!backend->available().ok())
      notes += std::string(notes.empty() ? "" : "; ") + "unavailable here";
    if (!notes.empty()) backends += " (" + notes + ")";
  }
  std::printf("backends: %s\n", backends.empty() ? "none" : backends.c_str());
  std::printf("oneDNN: %s\n", or_not_built(info.onednn).c_str());
  std::printf("CUDA: %s\n", or_not_built(info.cuda).c_str());
  std::printf("cuDNN: %s\n", or_not_built(info.cudnn).c_str());
}

}  // namespace actrt::cli
