// Engines loaded, saved and inspected (include/actrt/engine.h): the runtime half of the API, which
// actrt::runtime links without the builder (building is in src/api/engine_build.cc).
#include "actrt/engine.h"

#include <filesystem>
#include <fstream>
#include <unordered_set>
#include <unistd.h>

#include "runtime/backend.h"
#include "runtime/backend_contract.h"
#include "runtime/plan.h"
#include "engine/serialize.h"
#include "core/file_io.h"
#include "core/guard.h"

namespace actrt {

namespace fs = std::filesystem;

Engine::Engine(std::unique_ptr<runtime::Plan> plan) : plan_(std::move(plan)) {}
Engine::~Engine() = default;

BackendKind Engine::backend() const { return plan_->backend; }
const std::string& Engine::target() const { return plan_->target; }
const std::map<std::string, std::string>& Engine::metadata() const { return plan_->metadata; }

namespace {
std::vector<TensorInfo> describe(const std::vector<ir::Value*>& values) {
  std::vector<TensorInfo> out;
  for (const ir::Value* v : values) out.push_back({v->name(), v->dtype(), v->shape()});
  return out;
}
}  // namespace

std::vector<TensorInfo> Engine::inputs() const { return describe(plan_->graph->inputs()); }
std::vector<TensorInfo> Engine::outputs() const { return describe(plan_->graph->outputs()); }

std::vector<LayerInfo> Engine::layers() const {
  std::vector<LayerInfo> out;
  for (const auto& n : plan_->graph->nodes()) {
    LayerInfo l;
    l.name = n->name();
    l.op_type = n->domain().empty() ? n->op_type() : n->domain() + "::" + n->op_type();
    auto it = plan_->layers.find(n->name());
    if (it != plan_->layers.end()) {
      l.kernel = it->second.kernel;
      l.precision = it->second.precision;
    }
    if (n->output(0) && n->output(0)->has_shape()) l.output_shape = n->output(0)->shape();
    out.push_back(std::move(l));
  }
  return out;
}

int64_t Engine::weight_bytes() const {
  // Each constant once, however many layers read it (the cameras share one backbone).
  std::unordered_set<const ir::Value*> seen;
  int64_t bytes = 0;
  for (const auto& n : plan_->graph->nodes())
    for (const ir::Value* v : n->inputs())
      if (v && v->is_constant() && seen.insert(v).second)
        bytes += static_cast<int64_t>(v->constant().nbytes());
  return bytes;
}

Result<std::string> Engine::serialize() const { return engine::serialize_plan(*plan_); }

Result<std::shared_ptr<Engine>> engine_from_bytes(std::string_view bytes, const std::string& source) {
  ASSIGN_OR_RETURN(runtime::Plan plan, call_guarded("loading " + source, [&] {
                     return engine::deserialize_plan(bytes, source);
                   }));
  const runtime::Backend* backend = runtime::find_backend(plan.backend);
  if (!backend)
    return unsupported(source + ": engine was built for the " +
                       std::string(backend_name(plan.backend)) + " backend, but " +
                       runtime::backend_missing_reason(plan.backend));
  RETURN_IF_ERROR(backend->check_target(plan.target).with_context(source));
  RETURN_IF_ERROR(runtime::check_contract_version(plan, *backend, source));
  return std::make_shared<Engine>(std::make_unique<runtime::Plan>(std::move(plan)));
}

Result<std::string> bytes_from_path(const std::string& path) { return read_file_text(path); }

Result<std::shared_ptr<Engine>> engine_from_path(const std::string& path) {
  ASSIGN_OR_RETURN(std::string bytes, bytes_from_path(path));
  return engine_from_bytes(bytes, path);
}

Status save_engine(const Engine& engine, const std::string& path, bool overwrite) {
  RETURN_IF_ERROR(check_writable(path, overwrite));  // before serializing: no work for nothing
  ASSIGN_OR_RETURN(std::string bytes, engine.serialize());
  return write_file_atomic(path, bytes, overwrite);
}

Result<std::shared_ptr<Engine>> EngineFromBytes::operator()() const {
  ASSIGN_OR_RETURN(std::string bytes, bytes_());
  return engine_from_bytes(bytes, source_);
}

Result<std::shared_ptr<Engine>> SaveEngine::operator()() const {
  ASSIGN_OR_RETURN(std::shared_ptr<Engine> e, engine_());
  RETURN_IF_ERROR(save_engine(*e, path_, overwrite_));
  return e;
}

}  // namespace actrt
