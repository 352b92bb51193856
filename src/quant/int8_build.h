// The builder's INT8 step (called from engine/builder.cc before the backend compiles):
// calibrate (or read the cache), plan per-node precisions, and record both in the plan.
//
// After it: plan.int8_scales holds every activation scale (tensor name -> amax / 127), and
// plan.layers holds, for every node of the unfused graph, {kernel "", planned precision}: the
// backend's compile() reads the requested precision from there (a fused node takes the precision
// of the node it was built around) and then replaces the entries with its own choices.
#pragma once

#include "actrt/builder_config.h"
#include "actrt/status.h"
#include "runtime/backend.h"
#include "runtime/plan.h"
#include "ir/graph.h"

namespace actrt::quant {

// No-op unless config.int8. `graph` is the FP32 graph the plan was cloned from. `backend` is the
// one the plan is built for: calibration runs on its device when it offers that (the CUDA
// backend), else with the reference executor on the host (calibrate.h).
Status prepare_int8(const ir::Graph& graph, const BuilderConfig& config, runtime::Plan& plan,
                    const runtime::Backend* backend);

}  // namespace actrt::quant
