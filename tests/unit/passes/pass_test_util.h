// Helpers for the pass tests: build small graphs, run a pass, check the structure, and check
// that the graph outputs did not change on the reference executor.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backends/reference/executor.h"
#include "ir/graph.h"
#include "passes/infer_shapes.h"
#include "passes/pass.h"

namespace actrt::passes::testing {

// Seeded values in [-1, -0.1] U [0.1, 1]: never zero, so a dropped term always shows.
inline std::vector<float> random_values(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> mag(0.1f, 1.0f);
  std::bernoulli_distribution sign(0.5);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = sign(rng) ? mag(rng) : -mag(rng);
  return v;
}

inline Tensor random_tensor(Shape shape, uint32_t seed) {
  int64_t n = shape_numel(shape);
  return Tensor::from_vector(DataType::kFloat32, std::move(shape), random_values(n, seed));
}

inline Tensor positive_tensor(Shape shape, uint32_t seed) {
  Tensor t = random_tensor(std::move(shape), seed);
  for (float& x : t.span<float>()) x = std::fabs(x) + 0.5f;
  return t;
}

inline Tensor i64_tensor(Shape shape, std::vector<int64_t> v) {
  return Tensor::from_vector(DataType::kInt64, std::move(shape), v);
}

// A tiny fluent graph builder on top of ir::Graph.
class Builder {
 public:
  Builder() : g_(std::make_unique<ir::Graph>()) { g_->set_opset(17); }

  ir::Graph& graph() { return *g_; }
  std::unique_ptr<ir::Graph> take() { return std::move(g_); }

  ir::Value* input(const std::string& name, Shape shape, DataType dt = DataType::kFloat32) {
    ir::Value* v = g_->add_value(name);
    v->set_dtype(dt);
    v->set_shape(std::move(shape));
    g_->inputs().push_back(v);
    return v;
  }
  ir::Value* constant(const std::string& name, Tensor t) { return g_->add_constant(name, t); }
  ir::Value* weight(const std::string& name, Shape shape, uint32_t seed) {
    return constant(name, random_tensor(std::move(shape), seed));
  }
  ir::Value* ints(const std::string& name, std::vector<int64_t> v) {
    Shape s{static_cast<int64_t>(v.size())};
    return constant(name, i64_tensor(s, v));
  }
  ir::Value* scalar(const std::string& name, float v) {
    return constant(name, Tensor::from_vector(DataType::kFloat32, {}, std::vector<float>{v}));
  }

  // Adds a node with `n_out` fresh outputs named "<name>_out<i>"; returns it.
  ir::Node* node(const std::string& op, const std::string& name, std::vector<ir::Value*> inputs,
                 size_t n_out = 1, ir::AttributeMap attrs = {}) {
    std::vector<ir::Value*> outs;
    for (size_t i = 0; i < n_out; ++i)
      outs.push_back(g_->add_value(n_out == 1 ? name : name + "_out" + std::to_string(i)));
    ir::Node* n = g_->add_node(name + "_node", op, std::move(inputs), std::move(outs));
    n->attributes() = std::move(attrs);
    return n;
  }
  // Shorthand: one-output node, returns its output.
  ir::Value* op(const std::string& op, const std::string& name, std::vector<ir::Value*> inputs,
                ir::AttributeMap attrs = {}) {
    return node(op, name, std::move(inputs), 1, std::move(attrs))->output(0);
  }
  void output(ir::Value* v) { g_->outputs().push_back(v); }

 private:
  std::unique_ptr<ir::Graph> g_;
};

inline ir::Attribute attr_i(int64_t v) { return ir::Attribute::from_int(v); }
inline ir::Attribute attr_is(std::vector<int64_t> v) { return ir::Attribute::from_ints(v); }
inline ir::Attribute attr_f(float v) { return ir::Attribute::from_float(v); }

inline int count_ops(const ir::Graph& g, const std::string& op) {
  return static_cast<int>(std::count_if(g.nodes().begin(), g.nodes().end(),
                                        [&](const auto& n) { return n->op_type() == op; }));
}

inline std::vector<std::string> output_names(const ir::Graph& g) {
  std::vector<std::string> names;
  for (const ir::Value* v : g.outputs()) names.push_back(v->name());
  return names;
}

// Random feeds for every non-constant graph input.
inline reference::TensorMap random_feeds(const ir::Graph& g, uint32_t seed = 1234) {
  reference::TensorMap feeds;
  for (const ir::Value* v : g.inputs()) {
    if (v->is_constant()) continue;
    feeds[v->name()] = random_tensor(v->shape(), seed++);
  }
  return feeds;
}

// Runs both graphs on the same random feeds; every output must match within 1e-5 relative to
// the output's largest magnitude.
inline void expect_same_outputs(const ir::Graph& before, const ir::Graph& after,
                                uint32_t seed = 1234) {
  reference::TensorMap feeds = random_feeds(before, seed);
  auto ref = reference::Executor(before).run(feeds);
  ASSERT_TRUE(ref.ok()) << "before: " << ref.status().to_string();
  auto got = reference::Executor(after).run(feeds);
  ASSERT_TRUE(got.ok()) << "after: " << got.status().to_string();
  ASSERT_EQ(ref->size(), got->size());
  for (const auto& [name, r] : *ref) {
    auto it = got->find(name);
    ASSERT_NE(it, got->end()) << "output '" << name << "' missing after the pass";
    const Tensor a = r.to_float32(), b = it->second.to_float32();
    ASSERT_EQ(a.shape(), b.shape()) << name;
    double max_ref = 0, max_diff = 0;
    for (int64_t i = 0; i < a.numel(); ++i) {
      max_ref = std::max(max_ref, std::fabs(a.element_as_double(i)));
      max_diff = std::max(max_diff, std::fabs(a.element_as_double(i) - b.element_as_double(i)));
    }
    EXPECT_LE(max_diff, 1e-5 * std::max(1.0, max_ref)) << "output '" << name << "'";
  }
}

// Infers shapes, runs `pass`, re-infers (as PassManager does), checks output names survived
// and the outputs are unchanged. Returns the pass report.
struct PassRun {
  PassReport report;
  std::unique_ptr<ir::Graph> before;
};

inline PassRun run_pass_checked(ir::Graph& g, PassFn pass) {
  PassRun run;
  Status st = infer_shapes(g);
  EXPECT_TRUE(st.ok()) << st.to_string();
  run.before = g.clone();
  auto r = pass(g);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  if (r.ok()) run.report = *r;
  st = infer_shapes(g);
  EXPECT_TRUE(st.ok()) << "after the pass: " << st.to_string();
  EXPECT_EQ(output_names(*run.before), output_names(g));
  expect_same_outputs(*run.before, g);
  return run;
}

}  // namespace actrt::passes::testing
