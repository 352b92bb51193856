// Questions tests ask of a graph after rewrites: how many nodes of an op, which ones.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace actrt::test_graph {

// The nodes whose op_type is `op`, in graph order.
inline std::vector<const ir::Node*> nodes_of(const ir::Graph& g, const std::string& op) {
  std::vector<const ir::Node*> out;
  for (const auto& n : g.nodes())
    if (n->op_type() == op) out.push_back(n.get());
  return out;
}

inline int count_ops(const ir::Graph& g, const std::string& op) {
  return static_cast<int>(nodes_of(g, op).size());
}

}  // namespace actrt::test_graph
