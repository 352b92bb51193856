#include "passes/eliminate_dead.h"

#include <unordered_map>
#include <unordered_set>

#include "passes/pass_util.h"

namespace actrt::passes {

Result<PassReport> eliminate_dead(ir::Graph& graph) {
  size_t before = detail::begin_pass(graph);
  // Producers from the node list itself rather than Value::producer(): the node list is the
  // truth, a stale producer pointer must not keep a node alive or kill one.
  std::unordered_map<const ir::Value*, ir::Node*> producer;
  for (const auto& n : graph.nodes())
    for (ir::Value* v : n->outputs())
      if (v) producer[v] = n.get();

  std::unordered_set<const ir::Node*> live;
  std::vector<const ir::Value*> work(graph.outputs().begin(), graph.outputs().end());
  while (!work.empty()) {
    const ir::Value* v = work.back();
    work.pop_back();
    auto it = producer.find(v);
    if (it == producer.end() || !live.insert(it->second).second) continue;
    for (const ir::Value* in : it->second->inputs())
      if (in) work.push_back(in);
  }
  int removed = 0;
  for (const auto& n : graph.nodes()) {
    if (live.count(n.get())) continue;
    graph.remove_node(n.get());
    ++removed;
  }
  return detail::finish_pass(graph, before, removed);
}

}  // namespace actrt::passes
