// Graph optimization passes: the common interface.
//
// A pass rewrites an ir::Graph in place and must leave the model's outputs unchanged (the
// reference executor is the judge; tests/unit/passes check each pass that way). Passes may
// assume that shapes and dtypes are inferred on entry; PassManager re-infers after each pass.
#pragma once

#include <string>
#include <string_view>

#include "actrt/status.h"
#include "ir/graph.h"

namespace actrt::passes {

// What a pass did, for `actrt inspect` ("fold_constants: removed 212 nodes").
struct PassReport {
  int nodes_removed = 0;   // net nodes removed (negative if it added nodes)
  int rewrites = 0;        // pattern matches applied
  std::string detail;      // optional human-readable note
};

using PassFn = Result<PassReport> (*)(ir::Graph&);

struct PassInfo {
  std::string_view name;
  std::string_view description;
  PassFn run;
};

}  // namespace actrt::passes
