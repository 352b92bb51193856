// Builder options shared by build, run, bench and compare: backend, precisions, threads.
#pragma once

#include "actrt/builder_config.h"
#include "actrt/status.h"
#include "args.h"

namespace actrt::cli {

// --backend, --fp16, --tf32, --int8, --layer-precisions, --threads, --seed, --timing-cache (group
// "Build").
void add_builder_options(ArgParser& parser);
Result<BuilderConfig> builder_config_from(const ArgParser& parser);

}  // namespace actrt::cli
