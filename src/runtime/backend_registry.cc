#include <mutex>
#include <vector>

#include "runtime/backend.h"

namespace actrt::runtime {

namespace {
std::vector<std::unique_ptr<Backend>>& backends() {
  static std::vector<std::unique_ptr<Backend>> list;
  return list;
}
}  // namespace

bool register_backend(std::unique_ptr<Backend> backend) {
  backends().push_back(std::move(backend));
  return true;
}

const Backend* find_backend(BackendKind kind) {
  for (const auto& b : backends())
    if (b->kind() == kind) return b.get();
  return nullptr;
}

}  // namespace actrt::runtime
