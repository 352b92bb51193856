#include "passes/batch_shared_branches.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "ops/op_traits.h"
#include "passes/pass_util.h"

namespace actrt::passes {

namespace {
using detail::is_op;

// ---- equality of constants and attributes ------------------------------------------------

bool same_tensor(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  if (a.nbytes() == 0) return true;
  if (!a.raw_data() || !b.raw_data()) return false;
  return a.raw_data() == b.raw_data() || std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

bool same_constant(const ir::Value* a, const ir::Value* b) {
  if (a == b) return true;
  if (!a || !b || !a->is_constant() || !b->is_constant()) return false;
  return same_tensor(a->constant(), b->constant());
}

bool same_attribute(const ir::Attribute& a, const ir::Attribute& b) {
  if (a.kind != b.kind) return false;
  // Floats compared bitwise (NaN-safe, -0 != +0: conservative).
  if (std::memcmp(&a.f, &b.f, sizeof(float)) != 0 || a.i != b.i || a.s != b.s) return false;
  if (a.ints != b.ints || a.strings != b.strings || a.opaque != b.opaque) return false;
  if (a.floats.size() != b.floats.size() ||
      (!a.floats.empty() &&
       std::memcmp(a.floats.data(), b.floats.data(), a.floats.size() * sizeof(float)) != 0))
    return false;
  if (a.kind == ir::AttrKind::kTensor && !same_tensor(a.t, b.t)) return false;
  if (a.tensors.size() != b.tensors.size()) return false;
  for (size_t i = 0; i < a.tensors.size(); ++i)
    if (!same_tensor(a.tensors[i], b.tensors[i])) return false;
  return true;
}

bool same_attributes(const ir::AttributeMap& a, const ir::AttributeMap& b) {
  if (a.size() != b.size()) return false;
  for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib)
    if (ia->first != ib->first || !same_attribute(ia->second, ib->second)) return false;
  return true;
}

// ---- which ops may be batched ------------------------------------------------------------

enum class Kind { kNone, kSpatial, kElementwise };

Kind kind_of(const ir::Node& n) {
  if (!n.domain().empty()) return Kind::kNone;
  static const std::set<std::string> kSpatial = {
      "Conv", "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool",
      "BatchNormalization"};
  static const std::set<std::string> kElementwise = {
      "Relu", "Sigmoid", "Tanh", "LeakyRelu", "Elu",  "Selu",       "HardSigmoid", "HardSwish",
      "Erf",  "Exp",     "Log",  "Neg",       "Abs",  "Sqrt",       "Reciprocal",  "Softplus",
      "Clip", "Floor",   "Ceil", "Round",     "Sign", "Identity",   "Cast",        "Add",
      "Sub",  "Mul",     "Div",  "Pow",       "Max",  "Min",        "PRelu"};
  if (kSpatial.count(n.op_type())) {
    // One result only: MaxPool's Indices and training BatchNormalization's statistics are not
    // per-item results.
    for (size_t i = 1; i < n.outputs().size(); ++i)
      if (n.output(i)) return Kind::kNone;
    if (n.op_type() == "BatchNormalization") {
      auto training = n.attr_int("training_mode", 0);
      if (!training.ok() || *training != 0) return Kind::kNone;
    }
    return Kind::kSpatial;
  }
  if (kElementwise.count(n.op_type()) && n.outputs().size() == 1) return Kind::kElementwise;
  return Kind::kNone;
}

// A constant operand that every batch item may share: anything for the parameters of spatial
// ops; for elementwise ops one that broadcasts over dim 0 (fewer dims than the output, or
// dim 0 == 1).
bool constant_ok(Kind kind, size_t slot, const ir::Value* c, int64_t out_rank) {
  if (!c || !c->is_constant()) return false;
  if (kind == Kind::kSpatial) return slot > 0;
  const Tensor& t = c->constant();
  return t.rank() < out_rank || (t.rank() == out_rank && t.shape()[0] == 1);
}

bool batchable_shape(const ir::Value* v) {
  return v && v->has_shape() && !v->shape().empty() && v->shape()[0] == 1;
}

// ---- seeds: slices of one tensor along one axis ------------------------------------------

struct SliceOf {
  ir::Value* x = nullptr;
  int64_t axis = 0;
  int64_t index = 0;
};

std::optional<int64_t> single_int(const ir::Value* v) {
  const Tensor* t = detail::constant_of(v);
  if (!t || t->numel() != 1 || (t->dtype() != DataType::kInt64 && t->dtype() != DataType::kInt32))
    return std::nullopt;
  return static_cast<int64_t>(t->element_as_double(0));
}

std::optional<std::vector<int64_t>> int_list(const ir::Node& n, size_t slot, const char* attr,
                                             int64_t opset) {
  if (opset >= 10) {
    const Tensor* t = detail::constant_of(n.input(slot));
    if (!t) return std::nullopt;
    if (t->dtype() != DataType::kInt64 && t->dtype() != DataType::kInt32) return std::nullopt;
    std::vector<int64_t> v;
    for (int64_t i = 0; i < t->numel(); ++i) v.push_back(t->dtype() == DataType::kInt64
                                                             ? t->data<int64_t>()[i]
                                                             : t->data<int32_t>()[i]);
    return v;
  }
  auto r = n.attr_ints(attr, {});
  if (!r.ok()) return std::nullopt;
  return *r;
}

// The slice of `node` when it takes one element of its data along one axis.
std::optional<SliceOf> slice_of(const ir::Node& node, int64_t opset) {
  ir::Value* x = node.input(0);
  if (!x || x->is_constant() || !x->has_shape()) return std::nullopt;
  const int64_t rank = static_cast<int64_t>(x->shape().size());
  if (is_op(&node, "Gather")) {
    auto index = single_int(node.input(1));
    auto axis_attr = node.attr_int("axis", 0);
    if (!index || !axis_attr.ok()) return std::nullopt;
    auto axis = detail::normalize_axis(*axis_attr, rank);
    if (!axis) return std::nullopt;
    int64_t dim = x->shape()[size_t(*axis)];
    int64_t i = *index < 0 ? *index + dim : *index;
    if (i < 0 || i >= dim) return std::nullopt;
    return SliceOf{x, *axis, i};
  }
  if (is_op(&node, "Slice")) {
    auto starts = int_list(node, 1, "starts", opset);
    auto ends = int_list(node, 2, "ends", opset);
    if (!starts || !ends || starts->size() != 1 || ends->size() != 1) return std::nullopt;
    std::vector<int64_t> axes{0};
    if (opset >= 10 ? node.input(3) != nullptr : node.has_attribute("axes")) {
      auto a = int_list(node, 3, "axes", opset);
      if (!a || a->size() != 1) return std::nullopt;
      axes = *a;
    }
    if (opset >= 10 && node.input(4)) {
      auto steps = int_list(node, 4, "steps", opset);
      if (!steps || steps->size() != 1 || (*steps)[0] != 1) return std::nullopt;
    }
    auto axis = detail::normalize_axis(axes[0], rank);
    if (!axis) return std::nullopt;
    int64_t dim = x->shape()[size_t(*axis)];
    auto clamp = [&](int64_t v) {
      if (v < 0) v += dim;
      return std::clamp<int64_t>(v, 0, dim);
    };
    int64_t s = clamp((*starts)[0]), e = clamp((*ends)[0]);
    if (e - s != 1) return std::nullopt;
    return SliceOf{x, *axis, s};
  }
  return std::nullopt;
}

// `v` as one element of a tensor along one axis, through shape-only ops (same element order).
std::optional<SliceOf> trace_slice(const ir::Value* v, int64_t opset) {
  const ir::Node* p = v->producer();
  while (p && ops::is_reshape(*p) && !p->input(0)->is_constant())
    p = p->input(0)->producer();
  if (!p) return std::nullopt;
  return slice_of(*p, opset);
}

// ---- groups ------------------------------------------------------------------------------

struct Group {
  std::vector<ir::Value*> values;  // per branch, each [1, ...]
  std::vector<ir::Node*> nodes;    // per branch; empty for a seed
  // Seeds only.
  SliceOf source;
  std::vector<int64_t> indices;
  int parent = -1;                 // union-find
  bool has_conv = false;
  ir::Value* batched = nullptr;    // [k, ...] once created
};

int find_root(std::vector<Group>& groups, int g) {
  while (groups[size_t(g)].parent != g) {
    groups[size_t(g)].parent = groups[size_t(groups[size_t(g)].parent)].parent;
    g = groups[size_t(g)].parent;
  }
  return g;
}

void unite(std::vector<Group>& groups, int a, int b) {
  a = find_root(groups, a);
  b = find_root(groups, b);
  if (a == b) return;
  groups[size_t(b)].parent = a;
  groups[size_t(a)].has_conv |= groups[size_t(b)].has_conv;
}

Shape batched_shape(const Shape& s, int64_t k) {
  Shape r = s;
  r[0] = k;
  return r;
}

class Batcher {
 public:
  explicit Batcher(ir::Graph& g) : g_(g), uses_(g.build_uses()) {}

  void find_seeds() {
    // (X, axis, shape, dtype) -> index -> value
    std::map<std::tuple<const ir::Value*, int64_t, Shape, int>, std::map<int64_t, ir::Value*>>
        by_source;
    std::vector<std::tuple<const ir::Value*, int64_t, Shape, int>> order;
    for (const auto& n : g_.nodes()) {
      if (!(is_op(n.get(), "Gather") || is_op(n.get(), "Slice") || ops::is_reshape(*n)))
        continue;
      ir::Value* v = n->output(0);
      if (!batchable_shape(v) || v->is_constant()) continue;
      auto s = trace_slice(v, g_.opset());
      if (!s) continue;
      auto key = std::make_tuple(static_cast<const ir::Value*>(s->x), s->axis, v->shape(),
                                 static_cast<int>(v->dtype()));
      auto [it, fresh] = by_source.try_emplace(key);
      if (fresh) order.push_back(key);
      it->second.try_emplace(s->index, v);  // first value of each index
    }
    for (const auto& key : order) {
      const auto& by_index = by_source[key];
      if (by_index.size() < 2) continue;
      Group grp;
      grp.source = SliceOf{const_cast<ir::Value*>(std::get<0>(key)), std::get<1>(key), 0};
      for (const auto& [index, v] : by_index) {
        grp.indices.push_back(index);
        grp.values.push_back(v);
      }
      add_group(std::move(grp));
    }
  }

  void grow() {
    for (const auto& up : g_.nodes()) {
      ir::Node* n = up.get();
      if (assigned_.count(n)) continue;
      Kind kind = kind_of(*n);
      if (kind == Kind::kNone) continue;
      ir::Value* out = n->output(0);
      if (!batchable_shape(out)) continue;
      const int64_t out_rank = static_cast<int64_t>(out->shape().size());
      // Slot structure of branch 0.
      int first_group = -1;
      bool ok = true;
      for (size_t s = 0; s < n->inputs().size() && ok; ++s) {
        ir::Value* in = n->input(s);
        if (!in) continue;
        auto it = member_.find(in);
        if (it != member_.end()) {
          const auto [grp, branch] = it->second;
          ok = branch == 0 && (kind == Kind::kElementwise || s == 0) &&
               static_cast<int64_t>(in->shape().size()) == out_rank;
          if (first_group < 0) first_group = grp;
          ok = ok && groups_[size_t(grp)].values.size() ==
                         groups_[size_t(first_group)].values.size();
        } else {
          ok = constant_ok(kind, s, in, out_rank);
        }
      }
      if (!ok || first_group < 0) continue;
      const size_t k = groups_[size_t(first_group)].values.size();
      std::vector<ir::Node*> nodes{n};
      for (size_t b = 1; b < k && ok; ++b) {
        ir::Node* found = nullptr;
        for (ir::Node* m : detail::consumers(uses_, groups_[size_t(first_group)].values[b]))
          if (matches(*n, *m, b)) {
            found = m;
            break;
          }
        if (!found) ok = false;
        nodes.push_back(found);
      }
      if (!ok) continue;
      Group grp;
      grp.nodes = nodes;
      for (ir::Node* m : nodes) grp.values.push_back(m->output(0));
      grp.has_conv = is_op(n, "Conv");
      int id = add_group(std::move(grp));
      for (ir::Node* m : nodes) assigned_.insert(m);
      for (ir::Value* in : n->inputs()) {
        auto it = member_.find(in);
        if (in && it != member_.end()) unite(groups_, id, it->second.first);
      }
    }
  }

  // Rewrites every group of a component that batches a Conv. Returns the groups rewritten.
  int rewrite(int& branches) {
    std::unordered_set<const ir::Node*> replaced;
    for (Group& grp : groups_)
      if (!grp.nodes.empty() && groups_[size_t(find_root(groups_, index_of(grp)))].has_conv)
        replaced.insert(grp.nodes.begin(), grp.nodes.end());
    int rewrites = 0;
    for (Group& grp : groups_) {
      if (grp.nodes.empty() || !replaced.count(grp.nodes[0])) continue;
      const size_t k = grp.values.size();
      branches = std::max(branches, static_cast<int>(k));
      ir::Node* n0 = grp.nodes[0];
      std::vector<ir::Value*> inputs;
      for (ir::Value* in : n0->inputs()) {
        auto it = in ? member_.find(in) : member_.end();
        inputs.push_back(it == member_.end() ? in : batched(it->second.first));
      }
      ir::Value* v0 = grp.values[0];
      ir::Value* out = detail::add_computed_value(g_, v0->name() + "_batch", v0->dtype(),
                                                  batched_shape(v0->shape(), int64_t(k)));
      std::vector<ir::Value*> outputs(n0->outputs().size(), nullptr);
      outputs[0] = out;
      ir::Node* b = g_.add_node(g_.make_unique_name(n0->name() + "_batch"), n0->op_type(),
                                inputs, outputs, n0->domain());
      b->attributes() = n0->attributes();
      grp.batched = out;
      for (ir::Node* m : grp.nodes) g_.remove_node(m);
      // Per-branch values still read outside the batch come back as slices of it.
      for (size_t j = 0; j < k; ++j) {
        ir::Value* v = grp.values[j];
        bool needed = g_.is_graph_output(v);
        for (ir::Node* c : detail::consumers(uses_, v)) needed |= !replaced.count(c);
        if (needed) slice_into(out, int64_t(j), v);
      }
      ++rewrites;
    }
    return rewrites;
  }

 private:
  int add_group(Group grp) {
    int id = static_cast<int>(groups_.size());
    grp.parent = id;
    for (size_t b = 0; b < grp.values.size(); ++b) member_.try_emplace(grp.values[b], id, int(b));
    groups_.push_back(std::move(grp));
    return id;
  }
  int index_of(const Group& grp) const { return static_cast<int>(&grp - groups_.data()); }

  // Whether `m` is branch `b`'s copy of branch-0 node `n`.
  bool matches(const ir::Node& n, const ir::Node& m, size_t b) const {
    if (&n == &m || assigned_.count(&m)) return false;
    if (m.op_type() != n.op_type() || m.domain() != n.domain()) return false;
    if (m.inputs().size() != n.inputs().size() || m.outputs().size() != n.outputs().size())
      return false;
    for (size_t i = 1; i < m.outputs().size(); ++i)
      if (m.output(i)) return false;
    const ir::Value* out = m.output(0);
    if (!out || !out->has_shape() || out->shape() != n.output(0)->shape() ||
        out->dtype() != n.output(0)->dtype())
      return false;
    if (!same_attributes(n.attributes(), m.attributes())) return false;
    for (size_t s = 0; s < n.inputs().size(); ++s) {
      const ir::Value* a = n.input(s);
      const ir::Value* c = m.input(s);
      if (!a || !c) {
        if (a != c) return false;
        continue;
      }
      auto it = member_.find(a);
      if (it != member_.end()) {
        auto jt = member_.find(c);
        if (jt == member_.end() || jt->second.first != it->second.first ||
            jt->second.second != int(b))
          return false;
      } else if (!same_constant(a, c)) {
        return false;
      }
    }
    return true;
  }

  // The [k, ...] batch of group `id`, created on first use.
  ir::Value* batched(int id) {
    Group& grp = groups_[size_t(id)];
    if (grp.batched) return grp.batched;
    // Only seeds get here: derived groups are rewritten (and batched) before their readers.
    const size_t k = grp.values.size();
    ir::Value* v0 = grp.values[0];
    const Shape shape = batched_shape(v0->shape(), int64_t(k));
    ir::Value* out = detail::add_computed_value(g_, v0->name() + "_batch", v0->dtype(), shape);
    ir::Value* x = grp.source.x;
    const Shape& xs = x->shape();
    bool in_order = xs[size_t(grp.source.axis)] == int64_t(k);
    for (int64_t d = 0; d < grp.source.axis; ++d) in_order &= xs[size_t(d)] == 1;
    for (size_t j = 0; j < k; ++j) in_order &= grp.indices[j] == int64_t(j);
    if (in_order) {
      ir::Value* target = detail::add_i64_constant(g_, v0->name() + "_batch_shape", shape);
      g_.add_node(g_.make_unique_name(v0->name() + "_batch_reshape"), "Reshape", {x, target},
                  {out});
    } else {
      ir::Node* c = g_.add_node(g_.make_unique_name(v0->name() + "_batch_concat"), "Concat",
                                grp.values, {out});
      c->set_attribute("axis", ir::Attribute::from_int(0));
    }
    grp.batched = out;
    return out;
  }

  // Makes `v` (shape [1, ...]) the j-th item of `batch`.
  void slice_into(ir::Value* batch, int64_t j, ir::Value* v) {
    const std::string name = g_.make_unique_name(v->name() + "_unbatch");
    if (g_.opset() >= 10) {
      ir::Value* starts = detail::add_i64_constant(g_, name + "_starts", {j});
      ir::Value* ends = detail::add_i64_constant(g_, name + "_ends", {j + 1});
      ir::Value* axes = detail::add_i64_constant(g_, name + "_axes", {0});
      g_.add_node(name, "Slice", {batch, starts, ends, axes}, {v});
    } else {
      ir::Node* s = g_.add_node(name, "Slice", {batch}, {v});
      s->set_attribute("starts", ir::Attribute::from_ints({j}));
      s->set_attribute("ends", ir::Attribute::from_ints({j + 1}));
      s->set_attribute("axes", ir::Attribute::from_ints({0}));
    }
  }

  ir::Graph& g_;
  detail::Uses uses_;
  std::vector<Group> groups_;
  std::unordered_map<const ir::Value*, std::pair<int, int>> member_;  // value -> group, branch
  std::unordered_set<const ir::Node*> assigned_;
};
}  // namespace

Result<PassReport> batch_shared_branches(ir::Graph& graph) {
  size_t before = detail::begin_pass(graph);
  RETURN_IF_ERROR(graph.topological_sort());
  Batcher batcher(graph);
  batcher.find_seeds();
  batcher.grow();
  int branches = 0;
  int rewrites = batcher.rewrite(branches);
  std::string detail;
  if (rewrites > 0)
    detail = std::to_string(rewrites) + " nodes now run once over a batch of " +
             std::to_string(branches);
  return detail::finish_pass(graph, before, rewrites, detail);
}

}  // namespace actrt::passes
