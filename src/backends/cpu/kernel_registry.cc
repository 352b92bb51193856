// The CPU kernel table: every kernel family in priority order, and what the backend derives
// from it (kernel choice, INT8 precision, unsupported nodes, the kernel list).
#include "backends/cpu/kernels.h"

namespace actrt::cpu {

namespace {

// Priority order: the first row that accepts a node runs it. Layers recorded in engine files
// name these rows, so a name never changes.
constexpr CpuKernel kKernels[] = {
    {"folded", "outputs computed at build time (shape inference): nothing runs",
     folded_accepts, make_folded_step},
    {"onednn.conv", "FusedConv 2-D (+bias, +residual, +ReLU) on oneDNN, blocked layouts",
     conv_accepts, make_conv_step},
    {"onednn.conv.s8", "Int8Conv: s8 oneDNN convolution with per-channel weight scales",
     int8_conv_accepts, make_int8_conv_step, false, true},
    {"onednn.matmul.s8", "Int8MatMul: s8 oneDNN matmul with a constant int8 B",
     int8_matmul_accepts, make_int8_matmul_step, false, true},
    {"onednn.pool", "MaxPool 2-D on oneDNN", pool_accepts, make_pool_step},
    {"onednn.matmul", "FusedMatMul with a constant B, or a batched MatMul of two tensors",
     matmul_accepts, make_matmul_step},
    {"cpu.attention", "FusedAttention: softmax(Q K^T) V, vectorized and threaded",
     attention_accepts, make_attention_step},
    {"cpu.layernorm", "LayerNormalization over the trailing axes", layernorm_accepts,
     make_layernorm_step},
    {"cpu.softmax", "Softmax over the last axis", softmax_accepts, make_softmax_step},
    {"cpu.eltwise", "FusedEltwise: a chain of Add/Sub/Mul/Div/Relu with broadcasts",
     eltwise_accepts, make_eltwise_step},
    {"cpu.view", "Reshape/Flatten/Squeeze/Unsqueeze/Identity/Dropout: shares the input's slot",
     view_accepts, make_view_step},
    {"cpu.transpose", "Transpose of any dtype", transpose_accepts, make_transpose_step},
    {"cpu.concat", "Concat of any dtype", concat_accepts, make_concat_step},
    {"cpu.gather", "Gather with constant indices", gather_accepts, make_gather_step},
    {"reference", "any op of ops.def through its scalar reference kernel (host fallback)",
     reference_accepts, make_reference_step, true, false, true},
};

}  // namespace

bool is_f32(const ir::Value* v) {
  return v && v->dtype() == DataType::kFloat32 && v->has_shape();
}

int define_plain_output(BuildState& bs, const ir::Value* v) {
  const int slot = bs.new_slot(static_cast<size_t>(shape_numel(v->shape())) * dtype_size(v->dtype()));
  Placement p;
  p.slot = slot;
  if (v->dtype() == DataType::kFloat32) p.md = plain_md(v->shape());
  bs.define(v, p);
  return slot;
}

Result<Operand> plain_operand(BuildState& bs, const ir::Value* v) {
  Operand op;
  if (v->is_constant()) {
    if (v->constant().dtype() != DataType::kFloat32)
      return internal_error("constant '" + v->name() + "' is not f32");
    op.constant = v->constant().data<float>();
    return op;
  }
  ASSIGN_OR_RETURN(op.slot, bs.plain_slot(v));
  return op;
}

Status expect_op(const ir::Node& node, std::string_view domain, std::string_view op_type) {
  if (node.domain() == domain && node.op_type() == op_type) return ok_status();
  return unsupported("not " + std::string(domain.empty() ? "an ONNX " : "an actrt ") +
                     std::string(op_type));
}

Status folded_accepts(const ir::Node& node) {
  if (node.outputs().empty()) return unsupported("has no outputs");
  for (const ir::Value* v : node.outputs())
    if (v && !v->is_constant()) return unsupported("output '" + v->name() + "' is computed at run time");
  return ok_status();
}

// Outputs folded to constants by shape inference need no step.
Status make_folded_step(BuildState&, const ir::Node&, const std::string&) { return ok_status(); }

std::span<const CpuKernel> cpu_kernels() { return kKernels; }

Result<const CpuKernel*> choose_kernel(const ir::Node& node) {
  return runtime::first_accepting(cpu_kernels(), node);
}

std::string layer_kernel_name(const CpuKernel& kernel, const ir::Node& node) {
  return kernel.per_op_name ? std::string(kernel.name) + "." + node.op_type() : kernel.name;
}

const CpuKernel* find_kernel(std::string_view layer_kernel) {
  for (const CpuKernel& k : kKernels) {
    if (layer_kernel == k.name && !k.per_op_name) return &k;
    const std::string_view prefix(k.name);
    if (k.per_op_name && layer_kernel.size() > prefix.size() + 1 &&
        layer_kernel.substr(0, prefix.size()) == prefix && layer_kernel[prefix.size()] == '.')
      return &k;
  }
  return nullptr;
}

bool is_int8_kernel(std::string_view layer_kernel) {
  const CpuKernel* k = find_kernel(layer_kernel);
  return k && k->int8;
}

Status make_step(BuildState& bs, const ir::Node& node, const std::string& kernel) {
  const CpuKernel* k = find_kernel(kernel);
  if (!k) return invalid_model(node.describe() + ": unknown CPU kernel '" + kernel + "'");
  if (Status s = k->accepts(node); !s.ok())
    return invalid_model(node.describe() + ": the plan assigns kernel '" + kernel +
                         "', which cannot run this node: " + s.message());
  return k->make_step(bs, node, kernel);
}

Result<KernelAssignment> assign_kernels(runtime::Plan& plan) {
  KernelAssignment out;
  std::vector<std::string> refused;
  plan.layers.clear();
  for (const auto& n : plan.graph->nodes()) {
    Result<const CpuKernel*> k = choose_kernel(*n);
    if (!k.ok()) {
      if (k.status().code() != StatusCode::kUnsupported) return k.status();
      refused.push_back(k.status().message());
      continue;
    }
    const CpuKernel& kernel = **k;
    out.int8_layers += kernel.int8;
    out.host_fallback_layers += kernel.host_fallback;
    plan.layers[n->name()] = runtime::LayerChoice{
        layer_kernel_name(kernel, *n), kernel.int8 ? Precision::kInt8 : Precision::kFp32};
  }
  if (!refused.empty()) {
    std::string list;
    for (const std::string& r : refused) list += "\n  " + r;
    return unsupported(std::to_string(refused.size()) +
                       " node(s) of the compiled graph run on no CPU kernel:" + list);
  }
  return out;
}

}  // namespace actrt::cpu
