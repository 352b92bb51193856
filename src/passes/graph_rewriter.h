// Bookkeeping for pattern rewrites that fuse several nodes into one (the CPU and CUDA backends'
// fusions): who reads a value while nodes are being removed, and small matchers.
#pragma once

#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ir/graph.h"

namespace actrt::passes {

// Tracks readers while a fusion rewrites; removed nodes stop counting as readers. Call refresh()
// after adding nodes.
class GraphRewriter {
 public:
  explicit GraphRewriter(ir::Graph& g) : g_(g) { refresh(); }
  void refresh() { uses_ = g_.build_uses(); }
  bool removed(const ir::Node* n) const { return removed_.count(n) > 0; }
  void remove(ir::Node* n) {
    if (removed_.insert(n).second) g_.remove_node(n);
  }
  // Number of readers of v, a graph output counting as one.
  size_t readers(const ir::Value* v) const {
    size_t n = g_.is_graph_output(v) ? 1 : 0;
    auto it = uses_.find(v);
    if (it != uses_.end())
      for (const ir::Node* u : it->second) n += removed(u) ? 0 : 1;
    return n;
  }
  // The single node reading v when v is not a graph output, else nullptr.
  ir::Node* sole_reader(const ir::Value* v) const {
    if (!v || g_.is_graph_output(v) || readers(v) != 1) return nullptr;
    for (ir::Node* u : uses_.at(v))
      if (!removed(u)) return u;
    return nullptr;
  }
  ir::Node* producer(const ir::Value* v) const {
    ir::Node* p = v ? v->producer() : nullptr;
    return p && !removed(p) ? p : nullptr;
  }
  std::vector<ir::Node*> live_nodes() const {
    std::vector<ir::Node*> out;
    for (const auto& n : g_.nodes())
      if (!removed(n.get())) out.push_back(n.get());
    return out;
  }
  ir::Graph& graph() { return g_; }

 private:
  ir::Graph& g_;
  std::unordered_map<const ir::Value*, std::vector<ir::Node*>> uses_;
  std::unordered_set<const ir::Node*> removed_;
};

// A runtime or constant f32 value with a known shape.
inline bool f32_shaped(const ir::Value* v) {
  return v && v->dtype() == DataType::kFloat32 && v->has_shape();
}
inline bool const_f32(const ir::Value* v) {
  return v && v->is_constant() && v->constant().dtype() == DataType::kFloat32;
}
// A constant f32 scalar (any shape of one element), or nullopt.
inline std::optional<float> scalar_constant(const ir::Value* v) {
  if (!const_f32(v) || v->constant().numel() != 1) return std::nullopt;
  return v->constant().data<float>()[0];
}

}  // namespace actrt::passes
