// Operator schemas: the table generated from ops.def, and the shape / dtype inference contract.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "actrt/status.h"
#include "actrt/tensor.h"
#include "ir/graph.h"
#include "ops/op_traits.h"

namespace actrt::ops {

enum class QuantPolicy { kInt8Kernel, kInt8PassThrough, kFloatOnly };

// What an inference function sees: the node (attributes), the model's opset, and for each input
// its dtype, static shape and, when known, constant data. It sets every output's dtype and shape.
class InferContext {
 public:
  InferContext(ir::Node& node, int64_t opset) : node_(node), opset_(opset) {}

  ir::Node& node() { return node_; }
  const ir::Node& node() const { return node_; }
  int64_t opset() const { return opset_; }

  size_t num_inputs() const { return node_.inputs().size(); }
  size_t num_outputs() const { return node_.outputs().size(); }
  bool has_input(size_t i) const { return node_.input(i) != nullptr; }
  // Input i's value, or nullptr when the optional input is absent.
  const ir::Value* input(size_t i) const { return node_.input(i); }
  DataType input_dtype(size_t i) const { return node_.input(i)->dtype(); }
  const Shape& input_shape(size_t i) const { return node_.input(i)->shape(); }

  // Constant data of input i, or an error saying that `what` must be a constant
  // (static shapes: shape-like inputs must fold to constants).
  Result<const Tensor*> constant_input(size_t i, std::string_view what) const;
  // Constant data of input i or nullptr (absent or not constant).
  const Tensor* maybe_constant_input(size_t i) const;

  // Fails unless min <= inputs <= max and outputs within [min_out, max_out].
  Status expect_arity(size_t min_in, size_t max_in, size_t min_out = 1, size_t max_out = 1) const;
  // Fails naming the node, the input and the allowed dtypes.
  Status expect_dtype(size_t i, std::initializer_list<DataType> allowed) const;
  // An error prefixed with the node ("Conv 'conv1': ").
  Status error(const std::string& message) const;

  void set_output(size_t i, DataType dtype, Shape shape);

 private:
  ir::Node& node_;
  int64_t opset_;
};

using InferFn = Status (*)(InferContext&);

struct OpSchema {
  std::string_view op_type;
  QuantPolicy quant;
  OpTraits traits;  // ops.def's third column (ops/op_traits.h)
  InferFn infer;
};

// Declarations generated from ops.def.
#define ACTRT_OP(name, quant, traits) Status infer_##name(InferContext&);
#include "ops/ops.def"
#undef ACTRT_OP

// Every supported op, in ops.def order.
std::span<const OpSchema> all_ops();
// The schema for a node's (domain, op_type); nullptr when actrt does not support it.
const OpSchema* find_op(std::string_view domain, std::string_view op_type);

// Shared helpers for inference functions.
// Normalizes a possibly negative axis for `rank`; error names the node.
Result<int64_t> normalize_axis(const InferContext& ctx, int64_t axis, int64_t rank);
// Numpy-style multidirectional broadcast of two shapes; error names the node and both shapes.
Result<Shape> broadcast_shapes(const InferContext& ctx, const Shape& a, const Shape& b);

}  // namespace actrt::ops
