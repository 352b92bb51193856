#include "backends/cpu/kernels.h"

namespace actrt::cpu {

namespace {

struct KernelEntry {
  const char* name;
  bool (*accepts)(const ir::Node&);
  StepFactory make;
};

// Priority order: the first family that accepts a node runs it.
constexpr KernelEntry kKernels[] = {
    {"onednn.conv", conv_accepts, make_conv_step},
    {"onednn.conv.s8", int8_conv_accepts, make_int8_conv_step},
    {"onednn.matmul.s8", int8_matmul_accepts, make_int8_matmul_step},
    {"onednn.pool", pool_accepts, make_pool_step},
    {"onednn.matmul", matmul_accepts, make_matmul_step},
    {"cpu.attention", attention_accepts, make_attention_step},
    {"cpu.layernorm", layernorm_accepts, make_layernorm_step},
    {"cpu.softmax", softmax_accepts, make_softmax_step},
    {"cpu.eltwise", eltwise_accepts, make_eltwise_step},
    {"cpu.view", view_accepts, make_view_step},
    {"cpu.transpose", transpose_accepts, make_transpose_step},
    {"cpu.concat", concat_accepts, make_concat_step},
    {"cpu.gather", gather_accepts, make_gather_step},
};

bool all_outputs_constant(const ir::Node& node) {
  for (const ir::Value* v : node.outputs())
    if (v && !v->is_constant()) return false;
  return !node.outputs().empty();
}

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

std::string choose_kernel(const ir::Node& node) {
  // Outputs folded to constants by shape inference need no kernel at run time.
  if (all_outputs_constant(node)) return "folded";
  for (const KernelEntry& k : kKernels)
    if (k.accepts(node)) return k.name;
  return "reference." + node.op_type();
}

bool is_int8_kernel(const std::string& kernel) {
  return kernel == "onednn.conv.s8" || kernel == "onednn.matmul.s8";
}

Status make_step(BuildState& bs, const ir::Node& node, const std::string& kernel) {
  if (kernel == "folded") return ok_status();
  for (const KernelEntry& k : kKernels)
    if (kernel == k.name) {
      if (!k.accepts(node))
        return invalid_model(node.describe() + ": the plan assigns kernel '" + kernel +
                             "', which cannot run this node");
      return k.make(bs, node, kernel);
    }
  if (kernel.rfind("reference.", 0) == 0) {
    if (!node.domain().empty())
      return invalid_model(node.describe() + ": fused op has no reference kernel");
    return make_reference_step(bs, node, kernel);
  }
  return invalid_model(node.describe() + ": unknown CPU kernel '" + kernel + "'");
}

}  // namespace actrt::cpu
