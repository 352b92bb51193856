// The builder: optimized graph + BuilderConfig -> Plan for one backend.
#pragma once

#include <memory>

#include "actrt/builder_config.h"
#include "actrt/status.h"
#include "runtime/plan.h"
#include "ir/graph.h"

namespace actrt::engine {

// Steps: check the backend is compiled in and available; ask it about every node and report all
// unsupported ones at once; copy the graph; record target and build metadata; (INT8: scales, from
// a calibration run on the backend's device when it offers one, and precision plan); load the
// timing cache if config.timing_cache_path is set; let the backend compile (fusions, kernels and
// their timed tactics, weight conversion); verify; save the cache.
Result<std::unique_ptr<runtime::Plan>> build_plan(const ir::Graph& graph, const BuilderConfig& config);

}  // namespace actrt::engine
