#include "passes/fold_constants.h"

namespace actrt::passes {

Result<PassReport> fold_constants(ir::Graph& graph) {
  PassReport report;
  std::vector<ir::Node*> folded;
  for (const auto& n : graph.nodes()) {
    bool all_constant = !n->outputs().empty();
    for (const ir::Value* v : n->outputs())
      if (v && !v->is_constant()) all_constant = false;
    if (all_constant) folded.push_back(n.get());
  }
  for (ir::Node* n : folded) {
    // The output values keep their names and data; they simply lose their producer.
    graph.remove_node(n);
    ++report.rewrites;
  }
  graph.compact();
  report.nodes_removed = static_cast<int>(folded.size());
  return report;
}

}  // namespace actrt::passes
