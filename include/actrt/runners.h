// Concrete runners: the reference executor (the oracle) and engines on any backend.
#pragma once

#include <memory>
#include <string>

#include "actrt/engine.h"
#include "actrt/runner.h"

namespace actrt {

// Runs the network with the plain FP32 reference kernels ("reference").
std::unique_ptr<Runner> make_reference_runner(NetworkLoader network, std::string name = "reference");

struct EngineRunnerOptions {
  int threads = 0;  // CPU threads (0: the engine's setting, else the usable cores but one)
};

// Runs an engine; activate() loads/builds it (through the loader) and creates an execution
// context. The default name is "<backend>-<precisions>", e.g. "cpu-fp32".
std::unique_ptr<Runner> make_engine_runner(EngineLoader engine, std::string name = "",
                                           EngineRunnerOptions options = {});

}  // namespace actrt
