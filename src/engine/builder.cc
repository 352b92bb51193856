#include "engine/builder.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>

#include "actrt/log.h"
#include "actrt/version.h"
#include "core/guard.h"
#include "runtime/backend.h"
#include "runtime/backend_contract.h"
#include "engine/timing_cache.h"
#include "ir/verifier.h"
#include "quant/int8_build.h"

namespace actrt::engine {

namespace {

std::string precisions_of(const BuilderConfig& c) {
  std::string s = "fp32";
  if (c.tf32) s += ",tf32";
  if (c.fp16) s += ",fp16";
  if (c.bf16) s += ",bf16";
  if (c.int8) s += ",int8";
  return s;
}

// The precisions the plan's layers actually run in, in the enum's order ("fp32, int8" for a
// Q/DQ model built without --int8): what the summary reports, rather than the build flags.
std::string layer_precisions(const runtime::Plan& plan) {
  std::set<Precision> used;
  for (const auto& [layer, choice] : plan.layers) used.insert(choice.precision);
  std::string s;
  for (Precision p : used) s += (s.empty() ? "" : ", ") + std::string(precision_name(p));
  return s.empty() ? "no layers" : s;
}

// Layers on a host-fallback kernel of the backend's table (a kernel may record NAME or
// NAME.<op>, e.g. "reference.Slice"), for the build summary.
int host_fallback_layers(const runtime::Backend& backend, const runtime::Plan& plan) {
  int count = 0;
  const std::vector<runtime::KernelInfo> kernels = backend.kernels();
  for (const auto& [layer, choice] : plan.layers)
    for (const runtime::KernelInfo& k : kernels) {
      const std::string_view name(k.name);
      if (!k.host_fallback || choice.kernel.compare(0, name.size(), name) != 0) continue;
      if (choice.kernel.size() == name.size() || choice.kernel[name.size()] == '.') {
        ++count;
        break;
      }
    }
  return count;
}

Result<std::unique_ptr<runtime::Plan>> build_plan_unguarded(const ir::Graph& graph,
                                                            const BuilderConfig& config) {
  const runtime::Backend* backend = runtime::find_backend(config.backend);
  if (!backend)
    return unsupported("backend '" + std::string(backend_name(config.backend)) +
                       "': " + runtime::backend_missing_reason(config.backend));
  RETURN_IF_ERROR(backend->available());
  std::string unsupported_list;
  size_t unsupported_count = 0;
  for (const auto& n : graph.nodes()) {
    const std::string reason = backend->unsupported_reason(*n);
    if (reason.empty()) continue;
    ++unsupported_count;
    unsupported_list += "\n  " + n->describe() + ": " + reason;
  }
  if (unsupported_count)
    return unsupported(std::to_string(unsupported_count) + " node(s) cannot run on the " +
                       std::string(backend_name(config.backend)) + " backend:" + unsupported_list);
  // Settings that would otherwise be ignored without a word.
  std::string unknown_layers;
  for (const auto& entry : config.layer_precisions) {
    const std::string& layer = entry.first;  // a plain reference: clang 14 cannot capture bindings
    const bool known = std::any_of(graph.nodes().begin(), graph.nodes().end(),
                                   [&](const auto& n) { return n->name() == layer; });
    if (!known) unknown_layers += (unknown_layers.empty() ? "'" : ", '") + layer + "'";
  }
  if (!unknown_layers.empty())
    return invalid_argument("layer precisions name no layer of the model: " + unknown_layers +
                            " (layer names are the optimized graph's node names: `actrt inspect "
                            "MODEL --dump-graph`)");
  if (!config.timing_cache_path.empty() && !backend->times_tactics())
    return invalid_argument("a timing cache (" + config.timing_cache_path + ") was given, but the " +
                            std::string(backend_name(config.backend)) +
                            " backend times no tactics; it would be ignored (leave it out)");
  if (config.int8 && !config.calibrator)
    log_warning("INT8 requested without a calibrator or calibration cache: layers have no scales "
                "and fall back to " + std::string(config.fp16 ? "FP16" : "FP32"));

  auto plan = std::make_unique<runtime::Plan>();
  plan->backend = config.backend;
  plan->target = backend->current_target();
  plan->graph = graph.clone();
  plan->metadata["producer"] = std::string(version_string());
  plan->metadata["precisions"] = precisions_of(config);
  plan->metadata["threads"] = std::to_string(config.threads);
  plan->metadata["seed"] = std::to_string(config.seed);
  runtime::record_contract_version(*backend, *plan);
  for (const auto& [layer, p] : config.layer_precisions)
    plan->metadata["layer_precision." + layer] = std::string(precision_name(p));

  // INT8: scales (calibration or cache) into plan->int8_scales, planned precisions into plan->layers.
  RETURN_IF_ERROR(quant::prepare_int8(graph, config, *plan, backend));
  // Timing cache: loaded before compile (a bad file fails the build before any timing), saved
  // only after the whole build succeeded, so a failed build never leaves a changed cache.
  std::unique_ptr<TimingCache> timing_cache;
  bool cache_existed = false;
  if (!config.timing_cache_path.empty()) {
    std::error_code ec;
    cache_existed = std::filesystem::exists(config.timing_cache_path, ec);
    ASSIGN_OR_RETURN(TimingCache loaded, TimingCache::load_or_empty(config.timing_cache_path));
    timing_cache = std::make_unique<TimingCache>(std::move(loaded));
  }
  RETURN_IF_ERROR(backend->compile(*plan, config, runtime::CompileOptions{timing_cache.get()}));
  RETURN_IF_ERROR(plan->graph->topological_sort());
  RETURN_IF_ERROR(ir::verify_graph(*plan->graph, {.require_shapes = true})
                      .with_context("internal: the " + std::string(backend_name(config.backend)) +
                                    " backend produced an invalid graph"));
  for (const auto& n : plan->graph->nodes())
    if (!plan->layers.count(n->name()))
      return internal_error("backend left node '" + n->name() + "' without a kernel choice");
  if (timing_cache) {
    if (timing_cache->modified() || !cache_existed)
      RETURN_IF_ERROR(timing_cache->save(config.timing_cache_path));
    log_info("Timing cache " + config.timing_cache_path + ": " + std::to_string(timing_cache->hits()) +
             " hits, " + std::to_string(timing_cache->misses()) + " misses, " +
             std::to_string(timing_cache->size()) + " entries" +
             (timing_cache->modified() || !cache_existed ? " (written)" : " (unchanged)"));
  }
  const int fallback = host_fallback_layers(*backend, *plan);
  log_info("Built " + std::string(backend_name(config.backend)) + " engine (" +
           layer_precisions(*plan) + ") with " + std::to_string(plan->graph->node_count()) +
           " layers" +
           (fallback ? " (" + std::to_string(fallback) + " on the host fallback kernels)" : ""));
  return plan;
}

}  // namespace

// The builder is an API entry point (engine_from_network): nothing it calls may throw past it.
Result<std::unique_ptr<runtime::Plan>> build_plan(const ir::Graph& graph, const BuilderConfig& config) {
  return call_guarded("building the engine", [&] { return build_plan_unguarded(graph, config); });
}

}  // namespace actrt::engine
