// actrt inspect MODEL|ENGINE: what is in a model, what optimization did, what it costs; or what
// an engine file holds (signature, target, per-layer kernel and precision, memory).
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "actrt/engine.h"
#include "actrt/policy.h"
#include "actrt/log.h"
#include "actrt/network.h"
#include "args.h"
#include "policy/contract_json.h"
#include "bench_context.h"
#include "cli_common.h"
#include "command.h"
#include "core/json.h"
#include "memory_report.h"

namespace actrt::cli {
namespace {

Json tensor_list_json(const std::vector<TensorInfo>& list) {
  Json out = Json::array();
  for (const auto& t : list)
    out.push_back({{"name", t.name}, {"dtype", dtype_name(t.dtype)}, {"shape", t.shape}});
  return out;
}

Json summary_json(const NetworkSummary& s, bool ok, const std::string& error) {
  Json passes = Json::array();
  for (const auto& p : s.passes)
    passes.push_back({{"name", p.name}, {"nodes_removed", p.nodes_removed}, {"rewrites", p.rewrites}});
  Json out = {{"inputs", tensor_list_json(s.inputs)},
              {"outputs", tensor_list_json(s.outputs)},
              {"ops_before", s.ops_before},
              {"ops_after", s.ops_after},
              {"unsupported", s.unsupported},
              {"params", s.params},
              {"param_bytes", s.param_bytes},
              {"flops", s.total_flops},
              {"flops_by_op", s.flops},
              {"passes", std::move(passes)},
              {"ok", ok}};
  if (!ok) out["error"] = error;
  return out;
}

// The graph dump (Network::dump) as a JSON array, one string per line.
Json graph_lines(const std::string& dump) {
  Json lines = Json::array();
  size_t start = 0;
  while (start < dump.size()) {
    const size_t end = dump.find('\n', start);
    const size_t stop = end == std::string::npos ? dump.size() : end;
    if (stop > start) lines.push_back(dump.substr(start, stop - start));
    start = stop + 1;
  }
  return lines;
}

void print_text(const NetworkSummary& s) {
  std::printf("Inputs:\n");
  for (const auto& t : s.inputs)
    std::printf("  %-24s %-5s %s\n", t.name.c_str(), std::string(dtype_name(t.dtype)).c_str(),
                shape_to_string(t.shape).c_str());
  std::printf("Outputs:\n");
  for (const auto& t : s.outputs)
    std::printf("  %-24s %-5s %s\n", t.name.c_str(), std::string(dtype_name(t.dtype)).c_str(),
                shape_to_string(t.shape).c_str());
  int64_t before = 0, after = 0;
  for (const auto& [k, v] : s.ops_before) before += v;
  for (const auto& [k, v] : s.ops_after) after += v;
  std::printf("\nOps: %lld as imported, %lld after optimization\n", static_cast<long long>(before),
              static_cast<long long>(after));
  std::printf("  %-22s %8s %8s %14s\n", "op", "before", "after", "GFLOPs");
  std::map<std::string, bool> all;
  for (const auto& [k, v] : s.ops_before) all[k] = true;
  for (const auto& [k, v] : s.ops_after) all[k] = true;
  for (const auto& [op, unused] : all) {
    // clang 14 cannot capture a structured binding in a lambda (C++20, clang >= 16).
    auto get = [&, &op = op](const std::map<std::string, int64_t>& m) {
      auto it = m.find(op);
      return it == m.end() ? int64_t{0} : it->second;
    };
    std::printf("  %-22s %8lld %8lld %14.4f\n", op.c_str(), static_cast<long long>(get(s.ops_before)),
                static_cast<long long>(get(s.ops_after)), static_cast<double>(get(s.flops)) / 1e9);
  }
  std::printf("\nParameters: %lld (%.2f MB)\nCompute: %.3f GFLOPs per inference\n",
              static_cast<long long>(s.params), static_cast<double>(s.param_bytes) / 1e6,
              static_cast<double>(s.total_flops) / 1e9);
  if (!s.passes.empty()) {
    std::printf("\nPasses:\n");
    for (const auto& p : s.passes)
      if (p.nodes_removed != 0 || p.rewrites != 0)
        // A fusion that splits a node (MatMul+Add into Gemm with a reshape) adds nodes.
        std::printf("  %-28s %s %5d nodes (%d rewrites)\n", p.name.c_str(),
                    p.nodes_removed < 0 ? "added  " : "removed", std::abs(p.nodes_removed),
                    p.rewrites);
  }
  if (!s.unsupported.empty()) {
    std::printf("\nUnsupported nodes (%zu):\n", s.unsupported.size());
    for (const auto& u : s.unsupported) std::printf("  %s\n", u.c_str());
  }
}

// ---- ENGINE: an engine file (recognized by its magic bytes) ----

std::map<std::string, int64_t> layers_per_precision(const std::vector<LayerInfo>& layers) {
  std::map<std::string, int64_t> out;
  for (const auto& l : layers) ++out[std::string(precision_name(l.precision))];
  return out;
}

// What a context of the engine allocates, measured by creating one (runtime::MemoryUsage); the
// reason instead when the engine does not run here.
struct ContextMemory {
  std::optional<runtime::MemoryUsage> usage;
  std::string why_not;
};

ContextMemory measure_context_memory(const InspectedEngine& e) {
  if (!e.runs_here.empty()) return {std::nullopt, e.runs_here};
  auto context = create_execution_context(*e.engine, 0);
  if (!context.ok()) return {std::nullopt, context.status().to_string()};
  return {(*context)->memory_usage(), ""};
}

std::string engine_json(const InspectedEngine& e, const ActivationEstimate& act,
                        const ContextMemory& mem) {
  const Engine& engine = *e.engine;
  const auto layers = engine.layers();
  Json out = {{"kind", "engine"},
              {"format_version", e.format_version},
              {"producer", e.producer},
              {"file_bytes", e.file_bytes},
              {"backend", backend_name(engine.backend())},
              {"target", engine.target()},
              {"runs_here", e.runs_here.empty()}};
  if (!e.runs_here.empty()) out["runs_here_reason"] = e.runs_here;
  out["inputs"] = tensor_list_json(engine.inputs());
  out["outputs"] = tensor_list_json(engine.outputs());
  out["metadata"] = Json::object();
  for (const auto& [k, v] : engine.metadata()) out["metadata"][k] = v;
  if (Result<PolicyContract> contract = policy_contract_of(engine); contract.ok())
    out["policy"] = policy::contract_to_json(*contract);
  out["weight_bytes"] = act.unique_weight_bytes;
  out["weight_bytes_per_use"] = engine.weight_bytes();
  out["activation_bytes_no_reuse"] = act.total_bytes;
  out["activation_bytes_peak_live"] = act.peak_live_bytes;
  if (mem.usage) out["context_memory"] = memory_usage_json(*mem.usage);
  else out["context_memory_not_measured"] = mem.why_not;
  out["layers_per_precision"] = layers_per_precision(layers);
  out["layers"] = Json::array();
  for (const auto& l : layers)
    out["layers"].push_back({{"name", l.name},
                             {"op_type", l.op_type},
                             {"kernel", l.kernel},
                             {"precision", precision_name(l.precision)},
                             {"output_shape", l.output_shape}});
  return dump_json(out);
}

void engine_text(const InspectedEngine& e, const ActivationEstimate& act, const ContextMemory& mem) {
  const Engine& engine = *e.engine;
  const auto layers = engine.layers();
  std::printf("Engine file: format v%u, producer %s, %.2f MB\n", e.format_version,
              e.producer.c_str(), static_cast<double>(e.file_bytes) / 1e6);
  std::printf("Backend %s, target %s (%s)\n", std::string(backend_name(engine.backend())).c_str(),
              engine.target().c_str(),
              e.runs_here.empty() ? "runs on this machine" : ("not here: " + e.runs_here).c_str());
  std::printf("Inputs:\n");
  for (const auto& t : engine.inputs())
    std::printf("  %-24s %-5s %s\n", t.name.c_str(), std::string(dtype_name(t.dtype)).c_str(),
                shape_to_string(t.shape).c_str());
  std::printf("Outputs:\n");
  for (const auto& t : engine.outputs())
    std::printf("  %-24s %-5s %s\n", t.name.c_str(), std::string(dtype_name(t.dtype)).c_str(),
                shape_to_string(t.shape).c_str());
  const Result<PolicyContract> contract = policy_contract_of(engine);
  if (contract.ok()) std::printf("Policy contract:\n%s", policy::describe_contract(*contract).c_str());
  std::printf("Metadata:\n");
  for (const auto& [k, v] : engine.metadata()) {
    if (k == policy::kPolicyContractKey && contract.ok()) {
      std::printf("  %-24s (the policy contract above; --format json shows it whole)\n", k.c_str());
      continue;
    }
    std::printf("  %-24s %s\n", k.c_str(), v.c_str());
  }
  std::printf("\nLayers (%zu):\n  %-40s %-26s %-26s %-5s %s\n", layers.size(), "layer", "op",
              "kernel", "prec", "output");
  for (const auto& l : layers)
    std::printf("  %-40s %-26s %-26s %-5s %s\n", l.name.c_str(), l.op_type.c_str(),
                l.kernel.c_str(), std::string(precision_name(l.precision)).c_str(),
                shape_to_string(l.output_shape).c_str());
  std::printf("\nLayers per precision:\n");
  for (const auto& [prec, n] : layers_per_precision(layers))
    std::printf("  %-6s %6lld\n", prec.c_str(), static_cast<long long>(n));
  std::printf("\nMemory:\n  weights                     %10.2f MB\n"
              "  activations, no reuse       %10.2f MB\n"
              "  activations, peak live      %10.2f MB  (lower bound of the backend's arena)\n",
              static_cast<double>(act.unique_weight_bytes) / 1e6,
              static_cast<double>(act.total_bytes) / 1e6,
              static_cast<double>(act.peak_live_bytes) / 1e6);
  if (mem.usage)
    std::printf("\nContext allocations (one execution context, measured here):\n%s",
                memory_usage_text(*mem.usage, "  ").c_str());
  else
    std::printf("\nContext allocations: not measured (%s)\n", mem.why_not.c_str());
}

Status inspect_engine(const std::string& path, const std::string& format) {
  ASSIGN_OR_RETURN(const InspectedEngine e, read_engine_for_inspect(path));
  const ActivationEstimate act = estimate_activations(*e.engine);
  const ContextMemory mem = measure_context_memory(e);
  if (format == "json") std::printf("%s\n", engine_json(e, act, mem).c_str());
  else engine_text(e, act, mem);
  return ok_status();
}

// --list-passes: the graph passes and the backend's, with what --disable-pass accepts.
Result<int> print_pass_list(const std::string& backend_option) {
  auto backend = backend_from_name(backend_option);
  if (!backend)
    return invalid_argument("--backend must be cpu or cuda, got '" + backend_option + "'");
  const std::vector<PassDescription> list = list_passes(*backend);
  std::string stage;
  for (const PassDescription& p : list) {
    if (p.stage != stage) {
      stage = p.stage;
      std::printf("%s%s passes (in order):\n", stage == "graph" ? "" : "\n",
                  stage == "graph" ? "Graph" : ("Backend " + stage).c_str());
    }
    std::printf("  %-30s %s%s\n", p.name.c_str(), p.description.c_str(),
                p.required ? " [required]" : "");
  }
  if (stage == "graph")
    std::printf("\nBackend %s: not compiled into this actrt, no passes to list\n",
                backend_option.c_str());
  return 0;
}

Result<int> run_inspect(const std::vector<std::string>& args) {
  ArgParser p("actrt inspect MODEL|ENGINE [options]",
              "Shows a model's inputs and outputs, op counts before and after optimization, "
              "parameters, estimated FLOPs, what each optimization pass removed and any "
              "unsupported ops. For an engine file (from `actrt build`): its signature, backend, "
              "target, metadata, every layer's kernel, precision and output shape, layers per "
              "precision, weight and activation memory, and, where the engine runs on this "
              "machine, what one execution context allocates (device and host).",
              {"actrt inspect models/act-tiny/act-tiny.onnx",
               "actrt inspect act-fp16.engine --format json",
               "actrt inspect act.onnx --shapes qpos:1x6,image:1x3x3x480x640 --format json",
               "actrt inspect act.onnx --dump-graph",
               "actrt inspect act.onnx --list-passes --backend cuda"});
  p.positional("MODEL", "an ONNX model (.onnx) or an engine file");
  p.group("Model loading");
  add_model_options(p);
  p.group("Output");
  p.option("format", "text|json", "output format", "text");
  p.flag("dump-graph", "print the optimized graph, one line per node (JSON: the \"graph\" array)");
  p.flag("list-passes",
         "list the graph passes and the --backend's passes (names for --disable-pass) and exit");
  p.option("backend", "cpu|cuda", "the backend whose passes --list-passes shows", "cpu");
  if (int rc = parse_or_exit(p, args); rc >= 0) return rc;
  if (p.has("list-passes")) return print_pass_list(p.get("backend"));
  const std::string format = p.get("format");
  if (format != "text" && format != "json") return invalid_argument("--format must be text or json");
  // An unreadable file falls through to the ONNX importer, which says what is wrong with it.
  if (auto is_engine = is_engine_file(p.arg("MODEL")); is_engine.ok() && *is_engine) {
    RETURN_IF_ERROR(inspect_engine(p.arg("MODEL"), format));
    return 0;
  }

  ASSIGN_OR_RETURN(const NetworkOptions options, network_options_from(p));
  NetworkSummary partial;
  auto net = network_from_onnx_path(p.arg("MODEL"), options, &partial);
  if (!net.ok()) {
    if (format == "json") std::printf("%s\n", dump_json(summary_json(partial, false, net.status().to_string())).c_str());
    else if (!partial.unsupported.empty()) print_text(partial);
    return net.status();
  }
  if (format == "json") {
    Json out = summary_json(net->summary(), true, "");
    if (p.has("dump-graph")) out["graph"] = graph_lines(net->dump());
    std::printf("%s\n", dump_json(out).c_str());
  } else {
    print_text(net->summary());
    if (p.has("dump-graph")) std::printf("\n%s", net->dump().c_str());
  }
  return 0;
}

}  // namespace

ACTRT_REGISTER_COMMAND(inspect, "show a model's or engine's signature, layers, parameters, FLOPs, memory",
                       run_inspect);

}  // namespace actrt::cli
