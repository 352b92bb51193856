#include "actrt/network.h"

#include <unordered_set>

#include "core/guard.h"
#include "ir/dump.h"
#include "ir/graph.h"
#include "ir/verifier.h"
#include "onnx/importer.h"
#include "ops/cost.h"
#include "ops/op_registry.h"
#include "passes/add_policy_io.h"
#include "passes/infer_shapes.h"
#include "passes/pass_manager.h"

namespace actrt {

struct Network::Impl {
  std::string source;
  std::unique_ptr<ir::Graph> graph;
  NetworkSummary summary;
  std::optional<PolicyContract> policy;
};

Network::Network() : impl_(std::make_unique<Impl>()) {}
Network::~Network() = default;
Network::Network(Network&&) noexcept = default;
Network& Network::operator=(Network&&) noexcept = default;

Network::Network(std::string source, std::unique_ptr<ir::Graph> graph, NetworkSummary summary,
                 std::optional<PolicyContract> policy)
    : impl_(std::make_unique<Impl>()) {
  impl_->policy = std::move(policy);
  impl_->source = std::move(source);
  impl_->graph = std::move(graph);
  impl_->summary = std::move(summary);
}

const std::string& Network::source() const { return impl_->source; }
const NetworkSummary& Network::summary() const { return impl_->summary; }
const PolicyContract* Network::policy_contract() const {
  return impl_->policy ? &*impl_->policy : nullptr;
}
const ir::Graph& Network::graph() const { return *impl_->graph; }
ir::Graph& Network::mutable_graph() { return *impl_->graph; }
std::string Network::dump() const { return ir::dump_graph(*impl_->graph); }

namespace {

std::vector<TensorInfo> describe(const std::vector<ir::Value*>& values) {
  std::vector<TensorInfo> out;
  for (const ir::Value* v : values)
    out.push_back({v->name(), v->dtype(), v->has_shape() ? v->shape() : Shape{}});
  return out;
}

std::map<std::string, int64_t> count_ops(const ir::Graph& g) {
  std::map<std::string, int64_t> counts;
  for (const auto& n : g.nodes())
    ++counts[n->domain().empty() ? n->op_type() : n->domain() + "::" + n->op_type()];
  return counts;
}

// Parameters: constants read by nodes (each counted once), scalars and shape vectors included.
void count_params(const ir::Graph& g, NetworkSummary& s) {
  std::unordered_set<const ir::Value*> seen;
  for (const auto& n : g.nodes())
    for (const ir::Value* v : n->inputs())
      if (v && v->is_constant() && seen.insert(v).second) {
        s.params += v->constant().numel();
        s.param_bytes += static_cast<int64_t>(v->constant().nbytes());
      }
}

}  // namespace

std::vector<TensorInfo> Network::inputs() const { return describe(impl_->graph->inputs()); }
std::vector<TensorInfo> Network::outputs() const { return describe(impl_->graph->outputs()); }

namespace {

Result<Network> import_and_optimize(const std::string& path, const NetworkOptions& options,
                                    NetworkSummary* partial) {
  onnx_import::ImportOptions import_options;
  import_options.input_shapes = options.input_shapes;
  ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> graph, onnx_import::import_file(path, import_options));

  NetworkSummary summary;
  summary.ops_before = count_ops(*graph);
  for (const auto& n : graph->nodes())
    if (!ops::find_op(n->domain(), n->op_type())) summary.unsupported.push_back(n->describe());
  if (partial) *partial = summary;
  RETURN_IF_ERROR(passes::check_supported(*graph).with_context(path));
  RETURN_IF_ERROR(passes::infer_shapes(*graph).with_context(path));
  std::optional<PolicyContract> policy = options.policy;
  if (policy) {
    RETURN_IF_ERROR(passes::add_policy_io(*graph, *policy).with_context(path));
    RETURN_IF_ERROR(passes::infer_shapes(*graph).with_context(path + " (policy inputs)"));
  }

  if (options.optimize) {
    passes::PipelineOptions pipeline;
    pipeline.disabled = options.disabled_passes;
    ASSIGN_OR_RETURN(auto records, passes::optimize(*graph, pipeline));
    for (const auto& r : records) summary.passes.push_back({r.name, r.nodes_removed, r.rewrites});
  }
  RETURN_IF_ERROR(ir::verify_graph(*graph, {.require_shapes = true}).with_context(path));

  summary.inputs = describe(graph->inputs());
  summary.outputs = describe(graph->outputs());
  summary.ops_after = count_ops(*graph);
  count_params(*graph, summary);
  for (const auto& n : graph->nodes()) {
    const int64_t f = ops::estimate_flops(*n);
    summary.flops[n->op_type()] += f;
    summary.total_flops += f;
  }
  if (partial) *partial = summary;
  return Network(path, std::move(graph), std::move(summary), std::move(policy));
}

}  // namespace

Result<Network> network_from_onnx_path(const std::string& path, const NetworkOptions& options,
                                       NetworkSummary* partial) {
  return call_guarded("importing " + path,
                      [&] { return import_and_optimize(path, options, partial); });
}

}  // namespace actrt
