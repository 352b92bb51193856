// Small helpers shared by the graph passes (internal to src/passes).
//
// They keep the rewiring rules in one place: how a value is substituted by another without
// renaming a graph output, how constant operands are read, and how a pass finishes (compact,
// re-sort, count what it removed).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actrt/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace actrt::passes::detail {

using Uses = std::unordered_map<const ir::Value*, std::vector<ir::Node*>>;

// True for a node of the default domain with this op type.
inline bool is_op(const ir::Node* n, const char* op_type) {
  return n && n->domain().empty() && n->op_type() == op_type;
}

// Distinct consumer nodes of `v` (a node reading v twice counts once).
std::vector<ir::Node*> consumers(const Uses& uses, const ir::Value* v);

// True when `v` is read by exactly one node (possibly in several slots) and is not a graph
// output: the only case in which a pass may fold v's producer into its consumer.
bool has_single_consumer(const ir::Graph& g, const Uses& uses, const ir::Value* v);

// The constant data of `v` or nullptr (absent value or not constant).
inline const Tensor* constant_of(const ir::Value* v) {
  return v && v->is_constant() ? &v->constant() : nullptr;
}

// A constant tensor's elements as doubles / int64 (any dtype).
std::vector<double> to_doubles(const Tensor& t);

// The single element of a constant with one element (scalar or shape [1], [1,1], ...).
std::optional<double> scalar_of(const ir::Value* v);

// The `axes` of a reduction-like node: from attribute `axes` (older opsets) or from constant
// input `input_index` (ReduceMean opset 18, Unsqueeze/Squeeze opset 13). nullopt when neither
// is known; an empty vector when no axes are given.
std::optional<std::vector<int64_t>> axes_of(const ir::Node& n, size_t input_index);

// Normalizes `axis` for `rank`; nullopt when out of range.
std::optional<int64_t> normalize_axis(int64_t axis, int64_t rank);

// Makes every use of `from` (node inputs and graph outputs) read `to` instead, and keeps graph
// output names: when `from` is a graph output, the node producing `to` is made to produce `from`
// itself (the Value object, hence its name, survives) and `to`'s other readers move to `from`.
// `from`'s old producer gets a fresh, unused output in its slot so that dead-code elimination
// can drop it. Returns false (and changes nothing) when that is impossible without an extra
// node: `from` is a graph output and `to` is a graph input, a graph output, or has no producer.
bool substitute_value(ir::Graph& g, ir::Value* from, ir::Value* to);
// Whether substitute_value(g, from, to) would succeed.
bool can_substitute(const ir::Graph& g, const ir::Value* from, const ir::Value* to);
bool is_graph_input(const ir::Graph& g, const ir::Value* v);

// Makes `node` produce `v` in output `slot` (v keeps its name, dtype and shape). The value that
// was there is left without producer and readers; compact() drops it.
void produce_into(ir::Node* node, size_t slot, ir::Value* v);

// A new f32 constant value of `shape` with data `values`.
ir::Value* add_f32_constant(ir::Graph& g, const std::string& hint, Shape shape,
                            const std::vector<float>& values);
// A new i64 1-D constant value.
ir::Value* add_i64_constant(ir::Graph& g, const std::string& hint,
                            const std::vector<int64_t>& values);
// A new non-constant value named uniquely from `hint`, with dtype and (optional) shape.
ir::Value* add_computed_value(ir::Graph& g, const std::string& hint, DataType dtype,
                              std::optional<Shape> shape);

// The length-n f32 vector that constant `c` stands for when broadcast against a tensor of rank
// `rank` whose last dim is n: c varies along the last dim only (shape [..., n] or [..., 1] with
// all other dims 1, or a scalar) and has no more dims than `rank` (it cannot enlarge the
// result). nullopt otherwise.
std::optional<std::vector<float>> last_dim_vector(const Tensor* c, int64_t n, int64_t rank);

// Starts a pass: drops nodes an earlier pass left marked as removed (so that node counts and
// use lists are exact) and returns the node count.
size_t begin_pass(ir::Graph& g);

// Ends a pass: drops removed nodes and unreferenced values, restores topological order, and
// fills the report's net node count from `nodes_before`.
Result<PassReport> finish_pass(ir::Graph& g, size_t nodes_before, int rewrites,
                               std::string detail = {});

}  // namespace actrt::passes::detail
