// list_passes (actrt/network.h): the graph passes and a backend's passes, from their registries
// (passes/pass_manager.h, passes/backend_pass.h), for `actrt inspect --list-passes`.
#include "actrt/network.h"
#include "passes/backend_pass.h"
#include "passes/pass_manager.h"
#include "runtime/backend.h"

namespace actrt {

std::vector<PassDescription> list_passes(BackendKind backend) {
  std::vector<PassDescription> out;
  for (const passes::PassInfo& p : passes::all_passes())
    out.push_back({std::string(p.name), std::string(p.description), "graph", false});
  // A backend built as a module registers its passes when loaded: load it first.
  (void)runtime::find_backend(backend);
  for (const passes::BackendPassInfo& p : passes::backend_passes(backend))
    out.push_back({std::string(p.name), std::string(p.description),
                   std::string(backend_name(backend)), p.required});
  return out;
}

}  // namespace actrt
