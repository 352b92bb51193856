// Test helper: builds a one-node graph, runs the op's shape inference and its reference kernel.
//
//   auto out = SingleNode("Conv").input(x).input(w).attr("pads", ints({1, 1, 1, 1})).run();
//
// input() makes a runtime input (only its dtype and shape are visible to inference);
// const_input() makes a constant (shape-like inputs: Reshape's shape, Slice's starts ...).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "actrt/tensor.h"
#include "backends/reference/executor.h"
#include "ir/graph.h"
#include "ops/op_registry.h"

namespace actrt::single_node_test {

class SingleNode {
 public:
  explicit SingleNode(std::string op, int64_t opset = 17) : op_(std::move(op)), opset_(opset) {}

  SingleNode& input(Tensor t) { return add(std::move(t), false); }
  SingleNode& const_input(Tensor t) { return add(std::move(t), true); }
  SingleNode& absent_input() {
    inputs_.push_back({Tensor(), false, true});
    return *this;
  }
  SingleNode& attr(const std::string& name, ir::Attribute a) {
    attrs_[name] = std::move(a);
    return *this;
  }
  SingleNode& outputs(int n) {
    num_outputs_ = n;
    return *this;
  }

  // Shape inference only; returns the inferred (dtype, shape) of each output via out params.
  Status infer(std::vector<DataType>* dtypes = nullptr, std::vector<Shape>* shapes = nullptr) {
    build();
    const ops::OpSchema* schema = ops::find_op("", op_);
    if (!schema) return unsupported("no schema for " + op_);
    ops::InferContext ctx(*node_, opset_);
    RETURN_IF_ERROR(schema->infer(ctx));
    for (const ir::Value* v : node_->outputs()) {
      if (dtypes) dtypes->push_back(v->dtype());
      if (shapes) shapes->push_back(v->has_shape() ? v->shape() : Shape{-1});
    }
    return ok_status();
  }

  // Inference, then the reference kernel on the given inputs.
  Result<std::vector<Tensor>> run() {
    RETURN_IF_ERROR(infer());
    std::vector<const Tensor*> args;
    for (const auto& in : inputs_) args.push_back(in.absent ? nullptr : &in.tensor);
    return reference::evaluate_node(*node_, args, opset_);
  }

 private:
  struct In {
    Tensor tensor;
    bool constant;
    bool absent;
  };
  SingleNode& add(Tensor t, bool constant) {
    inputs_.push_back({std::move(t), constant, false});
    return *this;
  }
  void build() {
    graph_ = std::make_unique<ir::Graph>();
    graph_->set_opset(opset_);
    std::vector<ir::Value*> ins, outs;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      if (inputs_[i].absent) {
        ins.push_back(nullptr);
        continue;
      }
      ir::Value* v = graph_->add_value("in" + std::to_string(i));
      if (inputs_[i].constant) {
        v->set_constant(inputs_[i].tensor);
      } else {
        v->set_dtype(inputs_[i].tensor.dtype());
        v->set_shape(inputs_[i].tensor.shape());
      }
      ins.push_back(v);
    }
    for (int i = 0; i < num_outputs_; ++i) outs.push_back(graph_->add_value("out" + std::to_string(i)));
    node_ = graph_->add_node("node0", op_, ins, outs);
    node_->attributes() = attrs_;
  }

  std::string op_;
  int64_t opset_;
  std::vector<In> inputs_;
  ir::AttributeMap attrs_;
  int num_outputs_ = 1;
  std::unique_ptr<ir::Graph> graph_;
  ir::Node* node_ = nullptr;
};

inline ir::Attribute ints(std::vector<int64_t> v) { return ir::Attribute::from_ints(std::move(v)); }
inline ir::Attribute int_attr(int64_t v) { return ir::Attribute::from_int(v); }
inline ir::Attribute str(std::string v) { return ir::Attribute::from_string(std::move(v)); }

inline Tensor f32(Shape shape, std::vector<float> v) {
  return Tensor::from_vector(DataType::kFloat32, std::move(shape), v);
}
inline Tensor i64(Shape shape, std::vector<int64_t> v) {
  return Tensor::from_vector(DataType::kInt64, std::move(shape), v);
}
inline Tensor i64_1d(std::vector<int64_t> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return i64({n}, std::move(v));
}
// Seeded uniform [-1, 1) values, never all zeros.
inline Tensor random_f32(Shape shape, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Tensor t(DataType::kFloat32, std::move(shape));
  for (float& x : t.span<float>()) x = dist(gen);
  return t;
}
// 0, 1, 2, ... as i64 (distinct values make every misplaced element visible).
inline Tensor iota_i64(Shape shape, int64_t first = 0) {
  Tensor t(DataType::kInt64, std::move(shape));
  int64_t v = first;
  for (int64_t& x : t.span<int64_t>()) x = v++;
  return t;
}

// The node's outputs, failing the current test (and returning none) if the run fails.
inline std::vector<Tensor> run_ok(SingleNode& node) {
  auto r = node.run();
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? *r : std::vector<Tensor>{};
}

}  // namespace actrt::single_node_test
