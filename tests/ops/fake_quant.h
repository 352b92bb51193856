// Building blocks of the fake-quant references of the INT8 tests: what an INT8 engine computes,
// expressed as a float graph the reference executor runs.
#pragma once

#include <string>
#include <vector>

#include "actrt/tensor.h"
#include "ir/graph.h"

namespace actrt::cuda_test {

// Tensor `name` of `f` quantize-dequantized with `scale` (zero point 0) for the readers in
// `nodes` whose op type is in `reader_ops`; other readers still see the exact tensor.
inline void fake_quantize_tensor(ir::Graph& f, const std::vector<ir::Node*>& nodes,
                                 const std::string& name, float scale,
                                 const std::vector<std::string>& reader_ops) {
  ir::Value* v = f.find_value(name);
  ir::Value* s = f.add_constant("s", Tensor::from_vector<float>(DataType::kFloat32, {}, {scale}));
  ir::Value* z = f.add_constant("z", Tensor::from_vector<int8_t>(DataType::kInt8, {}, {0}));
  ir::Value* q = f.add_value(name + "/q");
  q->set_dtype(DataType::kInt8);
  q->set_shape(v->shape());
  ir::Value* dq = f.add_value(name + "/dq");
  dq->set_dtype(DataType::kFloat32);
  dq->set_shape(v->shape());
  q->set_producer(f.add_node(name + "/Q", "QuantizeLinear", {v, s, z}, {q}));
  dq->set_producer(f.add_node(name + "/DQ", "DequantizeLinear", {q, s, z}, {dq}));
  for (ir::Node* n : nodes) {
    bool reads = false;
    for (const std::string& op : reader_ops) reads |= n->op_type() == op;
    if (!reads) continue;
    for (auto& in : n->inputs())
      if (in == v) in = dq;
  }
}

}  // namespace actrt::cuda_test
