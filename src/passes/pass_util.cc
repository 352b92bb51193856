#include "passes/pass_util.h"

#include <algorithm>

namespace actrt::passes::detail {

std::vector<ir::Node*> consumers(const Uses& uses, const ir::Value* v) {
  std::vector<ir::Node*> out;
  auto it = uses.find(v);
  if (it == uses.end()) return out;
  for (ir::Node* n : it->second)
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  return out;
}

bool has_single_consumer(const ir::Graph& g, const Uses& uses, const ir::Value* v) {
  return !g.is_graph_output(v) && consumers(uses, v).size() == 1;
}

std::vector<double> to_doubles(const Tensor& t) {
  std::vector<double> out(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) out[static_cast<size_t>(i)] = t.element_as_double(i);
  return out;
}

std::optional<double> scalar_of(const ir::Value* v) {
  const Tensor* t = constant_of(v);
  if (!t || t->numel() != 1) return std::nullopt;
  return t->element_as_double(0);
}

std::optional<std::vector<int64_t>> axes_of(const ir::Node& n, size_t input_index) {
  if (n.has_attribute("axes")) {
    auto a = n.attr_ints("axes", {});
    if (!a.ok()) return std::nullopt;
    return a.value();
  }
  if (input_index < n.inputs().size() && n.input(input_index)) {
    const Tensor* t = constant_of(n.input(input_index));
    if (!t) return std::nullopt;
    return t->to_int64_vector();
  }
  return std::vector<int64_t>{};
}

std::optional<int64_t> normalize_axis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

bool is_graph_input(const ir::Graph& g, const ir::Value* v) {
  return std::find(g.inputs().begin(), g.inputs().end(), v) != g.inputs().end();
}

bool can_substitute(const ir::Graph& g, const ir::Value* from, const ir::Value* to) {
  if (from == to || !g.is_graph_output(from)) return true;
  return to->producer() && !g.is_graph_output(to) && !is_graph_input(g, to);
}

namespace {
// Gives `node` a fresh, unread output in place of `v` (so v can be produced elsewhere).
void detach_output(ir::Graph& g, ir::Node* node, ir::Value* v) {
  for (ir::Value*& out : node->outputs()) {
    if (out != v) continue;
    out = add_computed_value(g, v->name() + "_unused", v->dtype(),
                             v->has_shape() ? std::optional<Shape>(v->shape()) : std::nullopt);
    out->set_producer(node);
  }
  if (v->producer() == node) v->set_producer(nullptr);
}
}  // namespace

void produce_into(ir::Node* node, size_t slot, ir::Value* v) {
  ir::Value* old = node->outputs()[slot];
  if (old && old->producer() == node) old->set_producer(nullptr);
  node->outputs()[slot] = v;
  v->set_producer(node);
}

bool substitute_value(ir::Graph& g, ir::Value* from, ir::Value* to) {
  if (from == to) return true;
  if (!g.is_graph_output(from)) {
    g.replace_all_uses(from, to);
    return true;
  }
  if (!can_substitute(g, from, to)) return false;
  ir::Node* p = to->producer();
  if (ir::Node* old = from->producer()) detach_output(g, old, from);
  for (size_t i = 0; i < p->outputs().size(); ++i)
    if (p->outputs()[i] == to) produce_into(p, i, from);
  // `to` carried the same data; its readers now read `from`.
  g.replace_all_uses(to, from);
  to->set_producer(nullptr);
  return true;
}

ir::Value* add_f32_constant(ir::Graph& g, const std::string& hint, Shape shape,
                            const std::vector<float>& values) {
  return g.add_constant(hint, Tensor::from_vector(DataType::kFloat32, std::move(shape), values));
}

ir::Value* add_i64_constant(ir::Graph& g, const std::string& hint,
                            const std::vector<int64_t>& values) {
  return g.add_constant(hint, Tensor::from_vector(DataType::kInt64,
                                                  {static_cast<int64_t>(values.size())}, values));
}

ir::Value* add_computed_value(ir::Graph& g, const std::string& hint, DataType dtype,
                              std::optional<Shape> shape) {
  ir::Value* v = g.add_value(g.make_unique_name(hint));
  v->set_dtype(dtype);
  if (shape) v->set_shape(std::move(*shape));
  return v;
}

std::optional<std::vector<float>> last_dim_vector(const Tensor* c, int64_t n, int64_t rank) {
  if (!c || c->dtype() != DataType::kFloat32 || c->rank() > rank) return std::nullopt;
  for (int64_t i = 0; i + 1 < c->rank(); ++i)
    if (c->shape()[size_t(i)] != 1) return std::nullopt;
  int64_t last = c->rank() == 0 ? 1 : c->shape().back();
  if (last != n && last != 1) return std::nullopt;
  auto s = c->span<float>();
  if (last == n) return std::vector<float>(s.begin(), s.end());
  return std::vector<float>(size_t(n), s[0]);
}

size_t begin_pass(ir::Graph& g) {
  g.compact();
  return g.node_count();
}

Result<PassReport> finish_pass(ir::Graph& g, size_t nodes_before, int rewrites,
                               std::string detail) {
  g.compact();
  RETURN_IF_ERROR(g.topological_sort());
  PassReport r;
  r.nodes_removed = static_cast<int>(nodes_before) - static_cast<int>(g.node_count());
  r.rewrites = rewrites;
  r.detail = std::move(detail);
  return r;
}

}  // namespace actrt::passes::detail
