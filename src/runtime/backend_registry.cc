// The backend registry: backends linked into the program register from static initializers;
// those built as modules (backend_module.h) are loaded on the first find_backend() for them.
#include <array>
#include <mutex>
#include <vector>

#include "runtime/backend.h"
#include "runtime/backend_module.h"

namespace actrt::runtime {

namespace {
struct Registry {
  std::mutex mutex;  // registration from a module load runs while other threads may look up
  std::vector<std::unique_ptr<Backend>> list;
};
Registry& registry() {
  static Registry r;
  return r;
}

// Per kind: the module load runs once; its result (why it failed) is kept for the messages.
struct ModuleLoad {
  std::once_flag once;
  std::string error;
};
ModuleLoad& module_load(BackendKind kind) {
  static std::array<ModuleLoad, 2> loads;  // one per BackendKind (kCpu, kCuda)
  return loads.at(static_cast<size_t>(kind));
}

const Backend* registered(BackendKind kind) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  for (const auto& b : r.list)
    if (b->kind() == kind) return b.get();
  return nullptr;
}

// Loads kind's module once (a no-op for backends linked in) and returns why it is missing.
const std::string& load_once(BackendKind kind) {
  ModuleLoad& load = module_load(kind);
  // The module's initializers call register_backend (which takes the registry's mutex, not held
  // here) from inside dlopen.
  std::call_once(load.once, [&] {
    if (registered(kind)) return;
    load.error = load_backend_module(kind);
    if (load.error.empty() && !registered(kind))
      load.error = "the module " + std::string(backend_module_name(kind)) +
                   " was loaded but registered no " + std::string(backend_name(kind)) +
                   " backend";
  });
  return load.error;
}
}  // namespace

bool register_backend(std::unique_ptr<Backend> backend) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.list.push_back(std::move(backend));
  return true;
}

const Backend* find_backend(BackendKind kind) {
  if (const Backend* b = registered(kind)) return b;
  load_once(kind);
  return registered(kind);
}

std::string backend_missing_reason(BackendKind kind) {
  if (find_backend(kind)) return "";
  return load_once(kind);
}

}  // namespace actrt::runtime
