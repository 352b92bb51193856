// One op-harness case: a single-node graph of one op of ops.def with seeded inputs, and the
// family that picks its tolerance (tolerance.h). Cases are made by the family files
// (cases_*.h) and listed by all_cases.h; the backends' test files run them.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "actrt/tensor.h"
#include "../graph_builder.h"
#include "passes/infer_shapes.h"
#include "ir/graph.h"
#include "runtime/backend.h"

namespace actrt::op_harness {

// What sets a case's tolerance: movement copies bits, elementwise math rounds once per value,
// accumulating ops (products, reductions, normalizations) round once per term.
enum class Family { kMovement, kCompare, kElementwise, kTranscendental, kAccumulate, kQuantize };

// A built case: the graph (shapes inferred) and one seeded feed per graph input.
struct CaseGraph {
  std::unique_ptr<ir::Graph> graph;
  runtime::TensorMap feeds;
};

struct OpCase {
  std::string op;       // the ops.def name of the node under test
  std::string variant;  // what this case varies ("stride2", "bcast_row"); unique per op
  Family family = Family::kElementwise;
  std::function<CaseGraph()> make;
  // "Op_variant": the case's part of a gtest name.
  std::string id() const { return variant.empty() ? op : op + "_" + variant; }
};

// ---- seeded values (never all zeros) --------------------------------------------------------

// Uniform in [lo, hi); `away` > 0 keeps |x| >= away (divisors, reciprocals).
inline Tensor uniform(Shape shape, uint32_t seed, float lo = -1.0f, float hi = 1.0f, float away = 0) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t(DataType::kFloat32, std::move(shape));
  for (float& x : t.span<float>()) {
    x = dist(gen);
    if (away > 0 && std::abs(x) < away) x = x < 0 ? x - away : x + away;
  }
  return t;
}
// Small integers in [lo, hi] as `dt` (kFloat32 too: comparisons then see ties).
inline Tensor integers(Shape shape, uint32_t seed, int64_t lo, int64_t hi, DataType dt) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  Tensor t(dt, std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i) {
    const int64_t v = dist(gen);
    switch (dt) {
      case DataType::kFloat32: t.data<float>()[i] = float(v); break;
      case DataType::kInt64: t.data<int64_t>()[i] = v; break;
      case DataType::kInt32: t.data<int32_t>()[i] = int32_t(v); break;
      case DataType::kInt8: t.data<int8_t>()[i] = int8_t(v); break;
      case DataType::kBool: t.data<bool>()[i] = v != 0; break;
      default: ADD_FAILURE() << "integers(): unsupported dtype " << dtype_name(dt);
    }
  }
  return t;
}
inline Tensor i64s(std::vector<int64_t> v) {
  const int64_t n = int64_t(v.size());
  return Tensor::from_vector(DataType::kInt64, {n}, v);
}
inline Tensor i64_scalar(int64_t v) { return Tensor::from_vector(DataType::kInt64, {}, std::vector<int64_t>{v}); }
inline Tensor f32_scalar(float v) { return Tensor::from_vector(DataType::kFloat32, {}, std::vector<float>{v}); }

// Builds a case graph: runtime inputs get their feed here, so graph and feeds cannot disagree.
class CaseBuilder {
 public:
  CaseBuilder() : g_(std::make_unique<ir::Graph>()) { g_->set_opset(17); }
  ir::Value* input(Tensor feed) {
    const std::string name = "x" + std::to_string(feeds_.size());
    ir::Value* v = g_->add_value(name);
    v->set_dtype(feed.dtype());
    v->set_shape(feed.shape());
    g_->inputs().push_back(v);
    feeds_[name] = std::move(feed);
    return v;
  }
  ir::Value* constant(Tensor t) { return g_->add_constant("c", std::move(t)); }
  // The node under test (named "node"); every output becomes a graph output.
  void node(const std::string& op, std::vector<ir::Value*> ins, ir::AttributeMap attrs = {},
            int outputs = 1) {
    std::vector<ir::Value*> outs;
    for (int i = 0; i < outputs; ++i) {
      outs.push_back(g_->add_value("y" + std::to_string(i)));
      g_->outputs().push_back(outs.back());
    }
    g_->add_node("node", op, std::move(ins), std::move(outs))->attributes() = std::move(attrs);
  }
  CaseGraph finish() {
    Status s = passes::infer_shapes(*g_);
    EXPECT_TRUE(s.ok()) << s.to_string();
    return {std::move(g_), std::move(feeds_)};
  }

 private:
  std::unique_ptr<ir::Graph> g_;
  runtime::TensorMap feeds_;
};

using test_graph::float_attr;
using test_graph::int_attr;
using test_graph::ints;
inline ir::Attribute floats(std::vector<float> v) { return ir::Attribute::from_floats(std::move(v)); }
inline ir::Attribute str(std::string v) { return ir::Attribute::from_string(std::move(v)); }

}  // namespace actrt::op_harness
