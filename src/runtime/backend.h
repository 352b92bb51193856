// The interface every execution backend implements (CPU on oneDNN, CUDA).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actrt/builder_config.h"
#include "actrt/status.h"
#include "actrt/tensor.h"
#include "runtime/activation_stats.h"
#include "runtime/kernel_table.h"
#include "runtime/plan.h"

namespace actrt::runtime {

}  // namespace actrt::runtime
namespace actrt::engine {
class TimingCache;  // engine/timing_cache.h: build-time only, never included here
}  // namespace actrt::engine
namespace actrt::runtime {

using TensorMap = std::map<std::string, Tensor>;

// Per-layer timing from a profiling run.
struct LayerTime {
  std::string name;
  std::string op_type;
  double ms = 0;
};

// What one execution context allocates, in bytes, by purpose: actrt's own allocations, as
// `actrt inspect ENGINE` and `actrt bench` report them (docs/cli.md). Fields a backend has no
// such thing for stay 0. Weights shared by contexts (CUDA: one device copy per plan and process;
// the plan's host constants, held by the engine) are counted in every context that uses them,
// so the totals are what one context needs, not a sum over contexts.
struct MemoryUsage {
  // Device memory (GPU backends).
  size_t device_weights = 0;      // constants uploaded for the steps
  size_t device_activations = 0;  // the arena: intermediate values, graph inputs / outputs, scratch
  size_t device_workspace = 0;    // library workspace (cuDNN, cuBLASLt)
  size_t device_other = 0;        // buffers single steps own (gather indices, ...)
  // What creating the context's stream and library handles took from the device's free memory
  // (cuDNN / cuBLASLt / CUDA's own state, measured with cudaMemGetInfo; another process
  // allocating meanwhile skews it). Not actrt's own: not in device_total().
  size_t device_libraries = 0;
  // Host memory.
  size_t host_weights = 0;         // the plan's constants, as the plan holds them
  size_t host_packed_weights = 0;  // weights re-laid out for the kernels (CPU: oneDNN layouts)
  size_t host_activations = 0;     // the arena (CPU backend)
  size_t host_staging = 0;         // pinned staging of inputs, outputs and host-fallback steps

  size_t device_total() const {
    return device_weights + device_activations + device_workspace + device_other;
  }
  size_t host_total() const {
    return host_weights + host_packed_weights + host_activations + host_staging;
  }
};

// One execution context: owns buffers (memory planned by liveness), streams, threads. Several
// contexts may run concurrently over one plan; one context is used by one thread at a time.
class ExecutionContext {
 public:
  virtual ~ExecutionContext() = default;
  // Host tensors in, host tensors out (outputs keyed by graph output name). Inputs are checked
  // by name, dtype and shape before anything runs.
  virtual Status infer(const TensorMap& inputs, TensorMap& outputs) = 0;
  // Time of the last infer() without host<->device copies (equal to the whole on CPU).
  virtual double last_compute_ms() const = 0;
  // Runs once and reports the time of each layer (may be slower than infer()).
  virtual Result<std::vector<LayerTime>> profile(const TensorMap& inputs) = 0;
  // Host memory (input's bytes, packed) that infer() reads input `name` from without a copy
  // (the pinned upload staging on CUDA): a feed tensor pointing there is used as is. nullptr
  // when the context has none (the CPU reads every feed in place anyway). Valid for the
  // context's lifetime.
  virtual void* host_input_buffer(const std::string& name) {
    (void)name;
    return nullptr;
  }
  // Whether a feed tensor's data may be device memory (CUDA: copied device to device).
  virtual bool accepts_device_inputs() const { return false; }
  // What this context allocated (fixed once it is created: no allocation happens in infer()).
  virtual MemoryUsage memory_usage() const = 0;
};

// Build-time state the builder lends to compile() beyond the user's settings.
struct CompileOptions {
  // Loaded from BuilderConfig::timing_cache_path (nullptr: none). A backend that times tactics
  // looks each one up before timing and records what it timed; the builder saves the file.
  engine::TimingCache* timing_cache = nullptr;
};

struct ContextOptions {
  int threads = 0;  // CPU threads (0: the plan's setting, else core/thread_policy.h: cores but one)
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual BackendKind kind() const = 0;
  // Whether this process can run the backend at all (a GPU present, ...); error says why not.
  virtual Status available() const = 0;
  // The target string stored in engine files built here (CPU ISA features, GPU arch).
  virtual std::string current_target() const = 0;
  // Whether a plan built for `plan_target` runs here; the error names both targets.
  virtual Status check_target(std::string_view plan_target) const = 0;
  // Version of the backend-specific encodings a plan stores for this backend (fused-op codes and
  // attributes, tactics): bump it whenever compile() writes, or a context reads, any of them
  // differently. Engine files carry it; loading refuses another version (backend_contract.h).
  virtual int contract_version() const = 0;
  // "" when the backend can run `node` (before fusion), else the reason.
  virtual std::string unsupported_reason(const ir::Node& node) const = 0;
  // The backend's kernel table in priority order (runtime/kernel_table.h).
  virtual std::vector<KernelInfo> kernels() const { return {}; }
  // Rewrites plan.graph for this backend (fusions, weight conversion), fills plan.layers.
  virtual Status compile(Plan& plan, const BuilderConfig& config) const = 0;
  // Whether compile() times tactics and so reads and extends a timing cache (CompileOptions);
  // a build that names a timing cache for a backend that does not is refused, not ignored.
  virtual bool times_tactics() const { return false; }
  // The same with build-time options; backends that time nothing (CPU) need not override it.
  virtual Status compile(Plan& plan, const BuilderConfig& config,
                         const CompileOptions& options) const {
    (void)options;
    return compile(plan, config);
  }
  virtual Result<std::unique_ptr<ExecutionContext>> create_context(
      const Plan& plan, const ContextOptions& options) const = 0;
  // INT8 calibration on this backend's device (activation_stats.h): a runner for `tensors` (graph
  // inputs and node outputs, by name) of `graph`, the FP32 graph before backend fusion. nullptr:
  // the backend does not offer it (the caller runs the reference executor on the host); an
  // error: it does, but not for this graph, and the message says why.
  virtual Result<std::unique_ptr<ActivationStatsRunner>> make_activation_stats_runner(
      const ir::Graph& graph, const std::vector<std::string>& tensors) const {
    (void)graph;
    (void)tensors;
    return std::unique_ptr<ActivationStatsRunner>();
  }
};

// Backends register themselves at static-initialization time (their libraries are linked
// whole-archive, or loaded as a module: runtime/backend_module.h). Returns true so that a
// registration can seed a static. Thread-safe.
bool register_backend(std::unique_ptr<Backend> backend);
// The registered backend of `kind`; a backend built as a module is loaded on the first request
// for it (once, thread-safe). nullptr when it was not built or could not be loaded.
const Backend* find_backend(BackendKind kind);
// Why find_backend(kind) returns nullptr, as a sentence for error messages ("this actrt build
// does not include ...", "the CUDA backend could not be loaded: <dlerror>"); "" when it does not.
std::string backend_missing_reason(BackendKind kind);

}  // namespace actrt::runtime
