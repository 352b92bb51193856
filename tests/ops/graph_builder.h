// Small graphs for backend tests: a builder, seeded random tensors, attribute shorthands.
// Shared by the CPU and CUDA backend tests (cpu_test_util.h, cuda_test_util.h).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/infer_shapes.h"

namespace actrt::test_graph {

// Seeded values in [lo, hi) (never all zeros).
inline Tensor random_tensor(Shape shape, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t(DataType::kFloat32, std::move(shape));
  for (float& x : t.span<float>()) x = dist(gen);
  return t;
}

class GraphBuilder {
 public:
  GraphBuilder() { g_ = std::make_unique<ir::Graph>(); g_->set_opset(17); }
  ir::Value* input(const std::string& name, Shape shape, DataType dt = DataType::kFloat32) {
    ir::Value* v = g_->add_value(name);
    v->set_dtype(dt);
    v->set_shape(shape);
    g_->inputs().push_back(v);
    return v;
  }
  ir::Value* constant(const std::string& hint, Tensor t) { return g_->add_constant(hint, std::move(t)); }
  ir::Value* node(const std::string& op, std::vector<ir::Value*> ins, ir::AttributeMap attrs = {}) {
    const std::string name = g_->make_unique_name(op + "_" + std::to_string(counter_++));
    ir::Value* out = g_->add_value(g_->make_unique_name(name + "_out"));
    ir::Node* n = g_->add_node(name, op, std::move(ins), {out});
    n->attributes() = std::move(attrs);
    return out;
  }
  void output(ir::Value* v) { g_->outputs().push_back(v); }
  // Infers shapes; returns the graph.
  std::unique_ptr<ir::Graph> finish() {
    Status s = passes::infer_shapes(*g_);
    EXPECT_TRUE(s.ok()) << s.to_string();
    return std::move(g_);
  }

 private:
  std::unique_ptr<ir::Graph> g_;
  int counter_ = 0;
};

inline ir::Attribute ints(std::vector<int64_t> v) { return ir::Attribute::from_ints(std::move(v)); }
inline ir::Attribute int_attr(int64_t v) { return ir::Attribute::from_int(v); }
inline ir::Attribute float_attr(float v) { return ir::Attribute::from_float(v); }

}  // namespace actrt::test_graph
