// Loading a backend module with dlopen (backend_module.h). The module's references to actrt
// (register_backend, the pass registry, ...) are left undefined at its link and bind to the
// program's copy at load time, so that it registers into the same registries as the program.
#include "runtime/backend_module.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

namespace actrt::runtime {

namespace {
namespace fs = std::filesystem;

// The library or executable this function is in, found through its own address.
fs::path containing_object() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&containing_object), &info) == 0 || !info.dli_fname)
    return {};
  fs::path path = info.dli_fname;
  std::error_code ec;
  // The main program's name comes back as it was run (argv[0], maybe relative): use
  // /proc/self/exe for it.
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!path.is_absolute() && !ec) return exe;
  // A shared library (libactrt.so, a Python extension) may have been opened RTLD_LOCAL: its
  // symbols are then invisible to the module. Reopening it RTLD_GLOBAL makes them visible.
  if (path != exe) dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
  return path;
}

std::vector<fs::path> search_dirs() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("ACTRT_BACKEND_PATH")) {
    std::string_view rest = env;
    while (!rest.empty()) {
      const size_t colon = rest.find(':');
      if (colon != 0) dirs.emplace_back(rest.substr(0, colon));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  const fs::path self = containing_object();
  if (!self.empty()) {
    dirs.push_back(self.parent_path());
    dirs.push_back(self.parent_path().parent_path() / "lib");
  }
  return dirs;
}
}  // namespace

std::string_view backend_module_name(BackendKind kind) {
#ifdef ACTRT_CUDA_BACKEND_MODULE
  if (kind == BackendKind::kCuda) return ACTRT_CUDA_BACKEND_MODULE;
#endif
  (void)kind;
  return "";
}

std::string load_backend_module(BackendKind kind) {
  const std::string_view name = backend_module_name(kind);
  if (name.empty())
    return "this actrt build does not include the " + std::string(backend_name(kind)) +
           " backend";
  const std::string what =
      "the " + std::string(kind == BackendKind::kCuda ? "CUDA" : backend_name(kind)) +
      " backend could not be loaded: ";
  std::string searched;
  for (const fs::path& dir : search_dirs()) {
    const fs::path path = dir / name;
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      searched += (searched.empty() ? "" : ", ") + dir.string();
      continue;
    }
    // RTLD_NOW: a missing symbol fails here, before the module's initializers run, not in the
    // middle of a build.
    if (dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) return "";
    // dlerror names the file that failed: the module itself, or a library it needs (then the
    // module's path is added, so that the message says which module needed it).
    const char* error = dlerror();
    const std::string text = error ? error : "unknown dlopen error";
    return what + (text.starts_with(path.string()) ? text : path.string() + ": " + text);
  }
  return what + std::string(name) + " was not found (searched: " +
         (searched.empty() ? std::string("nothing") : searched) +
         "; set ACTRT_BACKEND_PATH to the directory that holds it)";
}

}  // namespace actrt::runtime
