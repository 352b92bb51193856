#include "backends/reference/executor.h"

#include <unordered_map>

#include "backends/reference/reference_kernels.h"

namespace actrt::reference {

Result<std::vector<Tensor>> evaluate_node(const ir::Node& node,
                                          std::span<const Tensor* const> inputs, int64_t opset) {
  if (!node.domain().empty())
    return unsupported(node.describe() + ": domain '" + node.domain() +
                       "' has no reference kernels");
  KernelFn kernel = find_kernel(node.op_type());
  if (!kernel) return unsupported(node.describe() + ": no reference kernel for this op");
  std::vector<Tensor> outputs;
  outputs.reserve(node.outputs().size());
  for (const ir::Value* v : node.outputs()) {
    if (!v || !v->has_shape() || v->dtype() == DataType::kUndefined) {
      // Optional outputs nobody asked for are still allocated empty; required ones need shapes.
      if (!v) {
        outputs.emplace_back();
        continue;
      }
      return internal_error(node.describe() + ": output " + v->describe() +
                            " has no inferred dtype/shape; run infer_shapes first");
    }
    outputs.emplace_back(v->dtype(), v->shape());
  }
  RETURN_IF_ERROR(kernel(KernelArgs{node, opset, inputs, outputs}));
  return outputs;
}

Result<TensorMap> Executor::run(const TensorMap& feeds, const NodeObserver& observer) const {
  std::unordered_map<const ir::Value*, Tensor> env;
  for (const ir::Value* in : graph_.inputs()) {
    if (in->is_constant()) continue;  // an input with an initializer default
    auto it = feeds.find(in->name());
    if (it == feeds.end())
      return invalid_argument("missing input '" + in->name() + "' (expected " +
                              std::string(dtype_name(in->dtype())) + " " +
                              shape_to_string(in->shape()) + ")");
    const Tensor& t = it->second;
    if (t.dtype() != in->dtype() || t.shape() != in->shape())
      return invalid_argument("input '" + in->name() + "': expected " +
                              std::string(dtype_name(in->dtype())) + " " +
                              shape_to_string(in->shape()) + ", got " +
                              std::string(dtype_name(t.dtype())) + " " +
                              shape_to_string(t.shape()));
    env[in] = t;
  }
  for (const auto& [name, t] : feeds) {
    const ir::Value* v = graph_.find_value(name);
    bool is_input = false;
    for (const ir::Value* in : graph_.inputs()) is_input |= in == v;
    if (!is_input) {
      std::string names;
      for (const ir::Value* in : graph_.inputs())
        if (!in->is_constant()) names += (names.empty() ? "" : ", ") + in->name();
      return invalid_argument("unknown input '" + name + "'; the model's inputs are: " + names);
    }
  }

  // Free intermediates after their last use to keep peak memory near the model's needs.
  std::unordered_map<const ir::Value*, int> remaining_uses;
  for (const auto& n : graph_.nodes())
    for (const ir::Value* v : n->inputs())
      if (v) ++remaining_uses[v];

  std::vector<const Tensor*> args;
  for (const auto& node : graph_.nodes()) {
    args.clear();
    for (const ir::Value* v : node->inputs()) {
      if (!v) {
        args.push_back(nullptr);
        continue;
      }
      if (v->is_constant()) {
        args.push_back(&v->constant());
        continue;
      }
      auto it = env.find(v);
      if (it == env.end())
        return internal_error(node->describe() + ": input '" + v->name() +
                              "' was not computed before use (graph not topologically sorted?)");
      args.push_back(&it->second);
    }
    auto outputs = evaluate_node(*node, args, graph_.opset());
    if (!outputs.ok()) return outputs.status();
    if (observer) observer(*node, outputs.value());
    for (size_t i = 0; i < node->outputs().size(); ++i)
      if (node->outputs()[i]) env[node->outputs()[i]] = std::move(outputs.value()[i]);
    for (const ir::Value* v : node->inputs())
      if (v && --remaining_uses[v] == 0 && !graph_.is_graph_output(v)) env.erase(v);
  }

  TensorMap result;
  for (const ir::Value* out : graph_.outputs()) {
    if (out->is_constant()) {
      result[out->name()] = out->constant();
      continue;
    }
    auto it = env.find(out);
    if (it == env.end()) return internal_error("graph output '" + out->name() + "' was not computed");
    result[out->name()] = it->second;
  }
  return result;
}

}  // namespace actrt::reference
