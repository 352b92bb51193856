// The reference executor: runs an inferred ir::Graph node by node with the reference kernels.
//
// It is the oracle for every other backend and for pass tests: simple, allocation-per-value,
// no fusion. Shapes must be inferred (passes::infer_shapes) before execution.
#pragma once

#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "actrt/status.h"
#include "actrt/tensor.h"
#include "ir/graph.h"

namespace actrt::reference {

using TensorMap = std::map<std::string, Tensor>;

// Runs one node: allocates outputs from the node's inferred output dtypes/shapes, calls the
// reference kernel. `inputs` has one entry per node input (nullptr for absent ones).
Result<std::vector<Tensor>> evaluate_node(const ir::Node& node,
                                          std::span<const Tensor* const> inputs, int64_t opset);

// Called after each node with its outputs (calibration observers, debugging dumps).
using NodeObserver = std::function<void(const ir::Node&, std::span<const Tensor>)>;

class Executor {
 public:
  // The graph must outlive the executor and have inferred shapes.
  explicit Executor(const ir::Graph& graph) : graph_(graph) {}

  // Feeds are keyed by graph input name; each must match the input's dtype and shape.
  // Returns every graph output by name.
  Result<TensorMap> run(const TensorMap& feeds, const NodeObserver& observer = {}) const;

 private:
  const ir::Graph& graph_;
};

}  // namespace actrt::reference
