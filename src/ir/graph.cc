#include "ir/graph.h"

#include <algorithm>
#include <unordered_set>

namespace actrt::ir {

void Value::set_constant(Tensor t) {
  dtype_ = t.dtype();
  shape_ = t.shape();
  constant_ = std::move(t);
}

std::string Value::describe() const {
  std::string s = "'" + name_ + "' (" + std::string(dtype_name(dtype_));
  s += has_shape() ? " " + shape_to_string(*shape_) : " shape unknown";
  return s + ")";
}

namespace {
template <typename T>
Status wrong_kind(const Node& n, const std::string& name, const Attribute& a) {
  (void)sizeof(T);
  return invalid_model(n.describe() + ": attribute '" + name + "' has kind " +
                       std::string(attr_kind_name(a.kind)) + ", expected another kind");
}
}  // namespace

Result<int64_t> Node::attr_int(const std::string& name, int64_t dflt) const {
  auto it = attributes_.find(name);
  if (it == attributes_.end()) return dflt;
  if (it->second.kind != AttrKind::kInt)
    return invalid_model(describe() + ": attribute '" + name + "' is " +
                         std::string(attr_kind_name(it->second.kind)) + ", expected int");
  return it->second.i;
}

Result<float> Node::attr_float(const std::string& name, float dflt) const {
  auto it = attributes_.find(name);
  if (it == attributes_.end()) return dflt;
  if (it->second.kind != AttrKind::kFloat)
    return invalid_model(describe() + ": attribute '" + name + "' is " +
                         std::string(attr_kind_name(it->second.kind)) + ", expected float");
  return it->second.f;
}

Result<std::string> Node::attr_string(const std::string& name, const std::string& dflt) const {
  auto it = attributes_.find(name);
  if (it == attributes_.end()) return dflt;
  if (it->second.kind != AttrKind::kString)
    return invalid_model(describe() + ": attribute '" + name + "' is " +
                         std::string(attr_kind_name(it->second.kind)) + ", expected string");
  return it->second.s;
}

Result<std::vector<int64_t>> Node::attr_ints(const std::string& name,
                                             const std::vector<int64_t>& dflt) const {
  auto it = attributes_.find(name);
  if (it == attributes_.end()) return dflt;
  if (it->second.kind != AttrKind::kInts)
    return invalid_model(describe() + ": attribute '" + name + "' is " +
                         std::string(attr_kind_name(it->second.kind)) + ", expected ints");
  return it->second.ints;
}

Result<std::vector<float>> Node::attr_floats(const std::string& name,
                                             const std::vector<float>& dflt) const {
  auto it = attributes_.find(name);
  if (it == attributes_.end()) return dflt;
  if (it->second.kind != AttrKind::kFloats)
    return invalid_model(describe() + ": attribute '" + name + "' is " +
                         std::string(attr_kind_name(it->second.kind)) + ", expected floats");
  return it->second.floats;
}

std::string Node::describe() const {
  std::string s = domain_.empty() ? op_type_ : domain_ + "::" + op_type_;
  return s + " '" + name_ + "'";
}

std::unique_ptr<Graph> Graph::clone() const {
  auto g = std::make_unique<Graph>();
  g->name_ = name_;
  g->opset_ = opset_;
  std::unordered_map<const Value*, Value*> map;
  for (const auto& v : values_) {
    Value* c = g->add_value(v->name());
    *c = *v;
    c->set_producer(nullptr);
    map[v.get()] = c;
  }
  auto m = [&](Value* v) { return v ? map.at(v) : nullptr; };
  for (const auto& n : nodes_) {
    if (std::find(removed_.begin(), removed_.end(), n.get()) != removed_.end()) continue;
    std::vector<Value*> ins, outs;
    for (Value* v : n->inputs()) ins.push_back(m(v));
    for (Value* v : n->outputs()) outs.push_back(m(v));
    Node* c = g->add_node(n->name(), n->op_type(), ins, outs, n->domain());
    c->attributes() = n->attributes();
  }
  for (Value* v : inputs_) g->inputs_.push_back(m(v));
  for (Value* v : outputs_) g->outputs_.push_back(m(v));
  g->name_counters_ = name_counters_;
  return g;
}

Value* Graph::add_value(std::string name) {
  auto v = std::make_unique<Value>(name);
  Value* raw = v.get();
  value_by_name_[name] = raw;
  values_.push_back(std::move(v));
  return raw;
}

Value* Graph::add_constant(const std::string& hint, Tensor t) {
  Value* v = add_value(make_unique_name(hint));
  v->set_constant(std::move(t));
  return v;
}

Node* Graph::add_node(std::string name, std::string op_type, std::vector<Value*> inputs,
                      std::vector<Value*> outputs, std::string domain) {
  auto n = std::make_unique<Node>(std::move(name), std::move(op_type), std::move(domain));
  n->inputs() = std::move(inputs);
  n->outputs() = std::move(outputs);
  for (Value* v : n->outputs())
    if (v) v->set_producer(n.get());
  Node* raw = n.get();
  nodes_.push_back(std::move(n));
  return raw;
}

std::string Graph::make_unique_name(const std::string& hint) {
  if (!value_by_name_.count(hint)) {
    bool node_taken = false;
    for (const auto& n : nodes_) node_taken |= n->name() == hint;
    if (!node_taken) return hint;
  }
  int& counter = name_counters_[hint];
  std::string name;
  do {
    name = hint + "_" + std::to_string(++counter);
  } while (value_by_name_.count(name));
  return name;
}

Value* Graph::find_value(const std::string& name) const {
  auto it = value_by_name_.find(name);
  return it == value_by_name_.end() ? nullptr : it->second;
}

Status Graph::rename_value(Value* v, const std::string& name) {
  if (v->name() == name) return ok_status();
  if (Value* other = find_value(name); other && other != v)
    return invalid_argument("cannot rename value '" + v->name() + "' to '" + name +
                            "': another value has that name");
  auto it = value_by_name_.find(v->name());
  if (it != value_by_name_.end() && it->second == v) value_by_name_.erase(it);
  v->set_name(name);
  value_by_name_[name] = v;
  return ok_status();
}

void Graph::replace_all_uses(Value* from, Value* to) {
  for (auto& n : nodes_)
    for (Value*& v : n->inputs())
      if (v == from) v = to;
  for (Value*& v : outputs_)
    if (v == from) v = to;
}

void Graph::remove_node(Node* n) {
  for (Value* v : n->outputs())
    if (v && v->producer() == n) v->set_producer(nullptr);
  removed_.push_back(n);
}

void Graph::compact() {
  std::unordered_set<const Node*> removed(removed_.begin(), removed_.end());
  removed_.clear();
  std::erase_if(nodes_, [&](const std::unique_ptr<Node>& n) { return removed.count(n.get()) > 0; });
  std::unordered_set<const Value*> used;
  for (const auto& n : nodes_) {
    for (Value* v : n->inputs()) used.insert(v);
    for (Value* v : n->outputs()) used.insert(v);
  }
  for (Value* v : inputs_) used.insert(v);
  for (Value* v : outputs_) used.insert(v);
  std::erase_if(values_, [&](const std::unique_ptr<Value>& v) {
    if (used.count(v.get())) return false;
    value_by_name_.erase(v->name());
    return true;
  });
}

Status Graph::topological_sort() {
  std::unordered_map<const Node*, size_t> pending;  // inputs produced by nodes not yet placed
  std::unordered_map<const Value*, std::vector<Node*>> uses = build_uses();
  std::vector<Node*> ready;
  for (const auto& n : nodes_) {
    size_t count = 0;
    for (Value* v : n->inputs())
      if (v && v->producer()) ++count;
    pending[n.get()] = count;
    if (count == 0) ready.push_back(n.get());
  }
  // Keep the original relative order among ready nodes: deterministic and readable dumps.
  std::unordered_map<const Node*, size_t> position;
  for (size_t i = 0; i < nodes_.size(); ++i) position[nodes_[i].get()] = i;
  std::vector<Node*> order;
  order.reserve(nodes_.size());
  auto by_position = [&](Node* a, Node* b) { return position[a] > position[b]; };
  std::make_heap(ready.begin(), ready.end(), by_position);
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), by_position);
    Node* n = ready.back();
    ready.pop_back();
    order.push_back(n);
    for (Value* out : n->outputs()) {
      if (!out) continue;
      auto it = uses.find(out);
      if (it == uses.end()) continue;
      for (Node* consumer : it->second) {
        // A node may read the same value twice; each read was counted once per slot.
        if (--pending[consumer] == 0) {
          ready.push_back(consumer);
          std::push_heap(ready.begin(), ready.end(), by_position);
        }
      }
    }
  }
  if (order.size() != nodes_.size()) {
    for (const auto& n : nodes_)
      if (pending[n.get()] > 0)
        return invalid_model("the graph has a cycle (or reads a value no node produces in order): " +
                             n->describe() + " waits on an input that depends on its own output");
  }
  std::unordered_map<const Node*, std::unique_ptr<Node>> owned;
  for (auto& n : nodes_) owned[n.get()] = std::move(n);
  nodes_.clear();
  for (Node* n : order) nodes_.push_back(std::move(owned[n]));
  return ok_status();
}

std::unordered_map<const Value*, std::vector<Node*>> Graph::build_uses() const {
  std::unordered_map<const Value*, std::vector<Node*>> uses;
  for (const auto& n : nodes_)
    for (Value* v : n->inputs())
      if (v) uses[v].push_back(n.get());
  return uses;
}

bool Graph::is_graph_output(const Value* v) const {
  return std::find(outputs_.begin(), outputs_.end(), v) != outputs_.end();
}

}  // namespace actrt::ir
