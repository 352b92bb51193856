#include "bench_context.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

#include "core/file_io.h"
#include "engine/format.h"
#include "ir/graph.h"
#include "runtime/plan.h"
#include "engine/serialize.h"

namespace actrt::cli {

Result<bool> is_engine_file(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string head, read_file_head(path, sizeof(engine::format::kMagic)));
  // A file shorter than the magic is not an engine (the ONNX importer will say what it is).
  return head.size() == sizeof(engine::format::kMagic) &&
         std::memcmp(head.data(), engine::format::kMagic, head.size()) == 0;
}

Result<InspectedEngine> read_engine_for_inspect(const std::string& path) {
  ASSIGN_OR_RETURN(std::string bytes, bytes_from_path(path));
  ASSIGN_OR_RETURN(engine::EngineHeader header, engine::read_header(bytes, path));
  ASSIGN_OR_RETURN(runtime::Plan plan, engine::deserialize_plan(bytes, path));
  InspectedEngine out;
  out.format_version = header.format_version;
  out.producer = header.producer;
  out.file_bytes = bytes.size();
  const runtime::Backend* backend = runtime::find_backend(plan.backend);
  if (!backend) {
    out.runs_here = "the " + std::string(backend_name(plan.backend)) +
                    " backend is not compiled into this actrt build";
  } else if (Status s = backend->check_target(plan.target); !s.ok()) {
    out.runs_here = s.message();
  } else if (Status a = backend->available(); !a.ok()) {
    out.runs_here = a.message();
  }
  out.engine = std::make_shared<Engine>(std::make_unique<runtime::Plan>(std::move(plan)));
  return out;
}

ActivationEstimate estimate_activations(const Engine& engine) {
  const ir::Graph& g = *engine.plan().graph;
  auto bytes_of = [](const ir::Value* v) -> int64_t {
    if (!v || v->is_constant() || !v->has_shape()) return 0;
    return shape_numel(v->shape()) * static_cast<int64_t>(dtype_size(v->dtype()));
  };
  const auto& nodes = g.nodes();
  const size_t end = nodes.size();
  std::map<const ir::Value*, size_t> last_use;
  for (size_t i = 0; i < nodes.size(); ++i)
    for (const ir::Value* v : nodes[i]->inputs())
      if (v) last_use[v] = i;
  for (const ir::Value* v : g.outputs()) last_use[v] = end;
  // Bytes freed after step i.
  std::map<size_t, int64_t> frees;
  ActivationEstimate e;
  int64_t live = 0;
  std::set<const ir::Value*> seen;
  auto allocate = [&](const ir::Value* v, size_t from) {
    if (!v || !seen.insert(v).second) return;
    const int64_t b = bytes_of(v);
    if (b == 0) return;
    e.total_bytes += b;
    live += b;
    auto it = last_use.find(v);
    frees[it == last_use.end() ? from : it->second] += b;
  };
  std::set<const ir::Value*> constants;
  for (const auto& n : nodes)
    for (const ir::Value* v : n->inputs())
      if (v && v->is_constant() && constants.insert(v).second)
        e.unique_weight_bytes += static_cast<int64_t>(v->constant().nbytes());
  for (const ir::Value* v : g.inputs()) allocate(v, 0);
  e.peak_live_bytes = live;
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const ir::Value* v : nodes[i]->outputs()) allocate(v, i);
    e.peak_live_bytes = std::max(e.peak_live_bytes, live);
    live -= frees[i];
  }
  return e;
}

Result<std::unique_ptr<runtime::ExecutionContext>> create_execution_context(const Engine& engine,
                                                                           int threads) {
  const runtime::Backend* backend = runtime::find_backend(engine.backend());
  if (!backend)
    return Status(StatusCode::kUnsupported,
                  "the " + std::string(backend_name(engine.backend())) +
                      " backend is not compiled into this actrt build");
  RETURN_IF_ERROR(backend->available());
  RETURN_IF_ERROR(backend->check_target(engine.target()));
  runtime::ContextOptions options;
  options.threads = threads;
  return backend->create_context(engine.plan(), options);
}

}  // namespace actrt::cli
