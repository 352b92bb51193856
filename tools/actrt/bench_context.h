// The CLI's one door into engine internals: is a file an engine, and an ExecutionContext for an
// engine (bench needs last_compute_ms() and profile(), which the public Runner does not offer).
#pragma once

#include <memory>
#include <string>

#include "actrt/engine.h"
#include "actrt/status.h"
#include "runtime/backend.h"

namespace actrt::cli {

// True when the file starts with the engine magic "ACTRTENG" (engine-format.md); false for
// anything else (an ONNX model). Unreadable files are kIoError.
Result<bool> is_engine_file(const std::string& path);

// An engine file read for inspection: parsed and validated (magic, version, checksum, sections)
// but NOT refused for another target or a backend missing from this build, so that a CUDA engine
// can be inspected on a CPU-only machine. `runs_here` is "" when this machine can run it, else
// the reason it cannot.
struct InspectedEngine {
  std::shared_ptr<Engine> engine;
  uint32_t format_version = 0;
  std::string producer;
  uint64_t file_bytes = 0;
  std::string runs_here;
};
Result<InspectedEngine> read_engine_for_inspect(const std::string& path);

// Activation memory from the plan's graph alone (any backend, no context needed): the bytes of
// every non-constant value (graph inputs, outputs and intermediates) if none shared memory, and
// the peak of the bytes alive at once in execution order (a value lives from its producer to its
// last consumer; inputs from the start, outputs to the end). The peak is a lower bound of a
// liveness arena; backends add alignment, scratch and layout copies, and alias-only ops
// (Reshape) may need less.
struct ActivationEstimate {
  int64_t total_bytes = 0;
  int64_t peak_live_bytes = 0;
  // Constants counted once each (Engine::weight_bytes() counts a constant at every use).
  int64_t unique_weight_bytes = 0;
};
ActivationEstimate estimate_activations(const Engine& engine);

// A fresh execution context for `engine` on its own backend; `threads` as ContextOptions
// (0: the engine's setting or the usable cores but one). Fails when the backend is not compiled
// in or not available on this machine (no GPU), or when the engine was built for another target.
Result<std::unique_ptr<runtime::ExecutionContext>> create_execution_context(const Engine& engine,
                                                                           int threads);

}  // namespace actrt::cli
