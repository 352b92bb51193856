// Networks: an imported, optimized model, ready to build engines from.
//
//   auto net = actrt::network_from_onnx_path("act.onnx", {.input_shapes = {...}});
//   if (!net.ok()) { log_error(net.status().to_string()); }
//   for (const auto& in : net->inputs()) ...
//
// A Network owns its graph; it is cheap to move and not copyable.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actrt/policy_contract.h"
#include "actrt/precision.h"
#include "actrt/status.h"
#include "actrt/tensor.h"

namespace actrt {

namespace ir {
class Graph;
}

struct NetworkOptions {
  // Concrete shapes for inputs with symbolic dimensions, by input name.
  std::map<std::string, Shape> input_shapes;
  // Run the optimization passes (constant folding, dead code, fusions). Off: the graph as
  // imported, with shapes inferred.
  bool optimize = true;
  // Pass names to skip (see `actrt inspect --list-passes`). Backend pass names are accepted
  // and left to the build (BuilderConfig::disabled_passes); unknown names are refused.
  std::vector<std::string> disabled_passes;
  // Turn the ACT model into a policy (`actrt build --policy`, docs/policy.md): uint8 camera
  // frames and raw qpos in, actions in robot units out, with the preprocessing as graph
  // operations. Engines built from the network carry the contract.
  std::optional<PolicyContract> policy;
};

struct TensorInfo {
  std::string name;
  DataType dtype = DataType::kUndefined;
  Shape shape;
};

// One optimization pass, for `actrt inspect MODEL --list-passes [--backend B]`.
struct PassDescription {
  std::string name;         // what --disable-pass takes
  std::string description;  // one line
  std::string stage;        // "graph" (on import, any backend) or the backend's name ("cuda")
  bool required = false;    // the backend computes wrong results without it: not disableable
};

// The graph passes (default-pipeline order of first use), then `backend`'s passes in the order
// its compile() runs them (none when that backend is not compiled into this actrt).
std::vector<PassDescription> list_passes(BackendKind backend);

// What a pass did to the graph.
struct PassRecord {
  std::string name;
  int nodes_removed = 0;
  int rewrites = 0;
};

// Static facts about a network, for `actrt inspect` and reports.
struct NetworkSummary {
  std::vector<TensorInfo> inputs, outputs;
  std::map<std::string, int64_t> ops_before, ops_after;  // op type -> count
  std::vector<std::string> unsupported;                 // "NonZero 'nz'" for each unsupported node
  int64_t params = 0;                                   // elements in constants used by the graph
  int64_t param_bytes = 0;
  std::map<std::string, int64_t> flops;                 // op type -> FLOPs of one inference
  int64_t total_flops = 0;
  std::vector<PassRecord> passes;
};

class Network {
 public:
  Network();
  ~Network();
  Network(Network&&) noexcept;
  Network& operator=(Network&&) noexcept;

  const std::string& source() const;
  std::vector<TensorInfo> inputs() const;
  std::vector<TensorInfo> outputs() const;
  const NetworkSummary& summary() const;
  // The readable graph dump (see ir/dump.h).
  std::string dump() const;

  // The policy contract (NetworkOptions::policy), or nullptr for a plain network.
  const PolicyContract* policy_contract() const;

  // The graph itself, for actrt's own modules (builder, reference runner). Not a stable API.
  const ir::Graph& graph() const;
  ir::Graph& mutable_graph();

  // Internal construction.
  Network(std::string source, std::unique_ptr<ir::Graph> graph, NetworkSummary summary,
          std::optional<PolicyContract> policy = std::nullopt);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Imports an ONNX model, infers shapes and (by default) optimizes it. A model with unsupported
// ops fails listing all of them by node name; `summary.unsupported` is also filled when
// `partial` is non-null (inspect uses it to describe a model it cannot build).
Result<Network> network_from_onnx_path(const std::string& path, const NetworkOptions& options = {},
                                       NetworkSummary* partial = nullptr);

}  // namespace actrt
