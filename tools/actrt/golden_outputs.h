// `actrt run`'s golden check: expected outputs stored in the --load-inputs .npz files next to the
// inputs (arrays named like the model's outputs, as models/act-tiny/act-tiny.io.npz holds PyTorch's
// `actions`). They become one more runner, "golden", that every runner is compared against.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "actrt/status.h"
#include "compare/comparator.h"

namespace actrt::cli {

// The expected outputs of every file in `paths` (one iteration per file, in order), as a runner
// named "golden"; nullopt when no file holds an array named like one of `output_names`. A file
// without them while another has them is an error that names both files (the items would not line
// up); so is a file that holds only some of the outputs another file holds.
Result<std::optional<compare::RunnerResults>> golden_outputs_from_npz(
    const std::vector<std::string>& paths, const std::vector<std::string>& output_names);

}  // namespace actrt::cli
