// The intermediate representation: a Graph of Nodes connected by Values.
//
// Values carry dtype and a static shape (once inferred) and, for initializers and folded
// results, a constant Tensor. The Graph owns every Node and Value; Nodes and Values point at
// each other with raw pointers that stay valid until Graph::compact() drops unused ones.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actrt/status.h"
#include "actrt/tensor.h"
#include "ir/attribute.h"

namespace actrt::ir {

class Node;

class Value {
 public:
  explicit Value(std::string name) : name_(std::move(name)) {}

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  DataType dtype() const { return dtype_; }
  void set_dtype(DataType t) { dtype_ = t; }
  // Static shape; has_shape() is false until import or inference sets it.
  bool has_shape() const { return shape_.has_value(); }
  const Shape& shape() const { return *shape_; }
  void set_shape(Shape s) { shape_ = std::move(s); }
  void clear_shape() { shape_.reset(); }
  // Symbolic dimension names from the model (empty string where the dim was concrete).
  const std::vector<std::string>& dim_params() const { return dim_params_; }
  void set_dim_params(std::vector<std::string> p) { dim_params_ = std::move(p); }

  // Initializers and folded values hold their data here.
  bool is_constant() const { return constant_.has_value(); }
  const Tensor& constant() const { return *constant_; }
  // Sets the data and, from it, dtype and shape.
  void set_constant(Tensor t);
  void clear_constant() { constant_.reset(); }

  Node* producer() const { return producer_; }
  void set_producer(Node* n) { producer_ = n; }

  // Short description for messages: "'name' (f32 1x3x8x8)".
  std::string describe() const;

 private:
  std::string name_;
  DataType dtype_ = DataType::kUndefined;
  std::optional<Shape> shape_;
  std::vector<std::string> dim_params_;
  std::optional<Tensor> constant_;
  Node* producer_ = nullptr;
};

class Node {
 public:
  Node(std::string name, std::string op_type, std::string domain)
      : name_(std::move(name)), op_type_(std::move(op_type)), domain_(std::move(domain)) {}

  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }
  const std::string& op_type() const { return op_type_; }
  void set_op_type(std::string t) { op_type_ = std::move(t); }
  // "" is the default ONNX domain ("ai.onnx" is normalized to "").
  const std::string& domain() const { return domain_; }

  // Inputs may contain nullptr for omitted optional inputs ("" in ONNX).
  std::vector<Value*>& inputs() { return inputs_; }
  const std::vector<Value*>& inputs() const { return inputs_; }
  std::vector<Value*>& outputs() { return outputs_; }
  const std::vector<Value*>& outputs() const { return outputs_; }
  // Input i or nullptr when absent or out of range.
  Value* input(size_t i) const { return i < inputs_.size() ? inputs_[i] : nullptr; }
  Value* output(size_t i) const { return i < outputs_.size() ? outputs_[i] : nullptr; }

  AttributeMap& attributes() { return attributes_; }
  const AttributeMap& attributes() const { return attributes_; }
  bool has_attribute(const std::string& name) const { return attributes_.count(name) > 0; }
  // Typed getters with defaults; a present attribute of the wrong kind gives an error.
  Result<int64_t> attr_int(const std::string& name, int64_t dflt) const;
  Result<float> attr_float(const std::string& name, float dflt) const;
  Result<std::string> attr_string(const std::string& name, const std::string& dflt) const;
  Result<std::vector<int64_t>> attr_ints(const std::string& name,
                                         const std::vector<int64_t>& dflt) const;
  Result<std::vector<float>> attr_floats(const std::string& name,
                                         const std::vector<float>& dflt) const;
  void set_attribute(const std::string& name, Attribute a) { attributes_[name] = std::move(a); }

  // "Conv 'backbone/conv1'" for messages.
  std::string describe() const;

 private:
  std::string name_;
  std::string op_type_;
  std::string domain_;
  std::vector<Value*> inputs_;
  std::vector<Value*> outputs_;
  AttributeMap attributes_;
};

class Graph {
 public:
  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  Graph(Graph&&) = default;
  Graph& operator=(Graph&&) = default;

  // Deep copy (values, nodes, constants shared by storage).
  std::unique_ptr<Graph> clone() const;

  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }
  // Default-domain opset the model was exported with.
  int64_t opset() const { return opset_; }
  void set_opset(int64_t v) { opset_ = v; }

  // Creates a value; its name must be unique (make_unique_name helps).
  Value* add_value(std::string name);
  // A value holding a constant, named uniquely from `hint`.
  Value* add_constant(const std::string& hint, Tensor t);
  // Appends a node (not yet in topological position: call topological_sort()).
  Node* add_node(std::string name, std::string op_type, std::vector<Value*> inputs,
                 std::vector<Value*> outputs, std::string domain = "");
  // Returns `hint` if no value or node has that name, else hint_1, hint_2, ...
  std::string make_unique_name(const std::string& hint);

  Value* find_value(const std::string& name) const;
  // Gives `v` a new name (graph inputs / outputs keep pointing at it); fails when the name is
  // taken by another value.
  Status rename_value(Value* v, const std::string& name);

  std::vector<Value*>& inputs() { return inputs_; }
  const std::vector<Value*>& inputs() const { return inputs_; }
  std::vector<Value*>& outputs() { return outputs_; }
  const std::vector<Value*>& outputs() const { return outputs_; }

  // Nodes in their current order (topological after topological_sort()).
  const std::vector<std::unique_ptr<Node>>& nodes() const { return nodes_; }
  size_t node_count() const { return nodes_.size(); }

  // Every use of `from` (node inputs and graph outputs) becomes `to`.
  void replace_all_uses(Value* from, Value* to);
  // Marks a node for removal; it is dropped by compact().
  void remove_node(Node* n);
  // Drops removed nodes and values that nothing references. Invalidates their pointers.
  void compact();
  // Orders nodes so that producers come first; fails naming a node on a cycle.
  Status topological_sort();

  // Consumers of every value (graph outputs are not nodes and are not listed).
  std::unordered_map<const Value*, std::vector<Node*>> build_uses() const;
  bool is_graph_output(const Value* v) const;

  size_t value_count() const { return values_.size(); }

 private:
  std::string name_;
  int64_t opset_ = 17;
  std::vector<std::unique_ptr<Value>> values_;
  std::unordered_map<std::string, Value*> value_by_name_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<Node*> removed_;
  std::vector<Value*> inputs_;
  std::vector<Value*> outputs_;
  std::unordered_map<std::string, int> name_counters_;
};

}  // namespace actrt::ir
