// Fallback steps: any op of ops.def through its reference kernel, and zero-copy views.
#include <cstring>

#include "backends/cpu/kernels.h"
#include "backends/reference/executor.h"
#include "ops/op_registry.h"
#include "ops/op_traits.h"

namespace actrt::cpu {

namespace {

// Runs reference::evaluate_node on tensors copied from the arena, then copies the outputs
// back. Correct for every op in ops.def; used where no fast kernel exists (data movement on
// small tensors in ACT).
class ReferenceStep final : public Step {
 public:
  ReferenceStep(const ir::Node& node, int64_t opset, std::vector<int> in_slots,
                std::vector<int> out_slots)
      : node_(node), opset_(opset), in_slots_(std::move(in_slots)), out_slots_(std::move(out_slots)) {}

  Status bind(uint8_t* arena, const std::vector<Slot>& slots) override {
    in_ptrs_.assign(in_slots_.size(), nullptr);
    out_ptrs_.assign(out_slots_.size(), nullptr);
    for (size_t i = 0; i < in_slots_.size(); ++i)
      if (in_slots_[i] >= 0) in_ptrs_[i] = arena + slots[in_slots_[i]].offset;
    for (size_t i = 0; i < out_slots_.size(); ++i)
      if (out_slots_[i] >= 0) out_ptrs_[i] = arena + slots[out_slots_[i]].offset;
    return ok_status();
  }

  Status run(const RunEnv&) override {
    std::vector<Tensor> owned(node_.inputs().size());
    std::vector<const Tensor*> args(node_.inputs().size(), nullptr);
    for (size_t i = 0; i < node_.inputs().size(); ++i) {
      const ir::Value* v = node_.inputs()[i];
      if (!v) continue;
      if (v->is_constant()) {
        args[i] = &v->constant();
        continue;
      }
      owned[i] = Tensor(v->dtype(), v->shape());
      std::memcpy(owned[i].raw_data(), in_ptrs_[i], owned[i].nbytes());
      args[i] = &owned[i];
    }
    ASSIGN_OR_RETURN(std::vector<Tensor> outs, reference::evaluate_node(node_, args, opset_));
    for (size_t i = 0; i < out_ptrs_.size() && i < outs.size(); ++i)
      if (out_ptrs_[i]) std::memcpy(out_ptrs_[i], outs[i].raw_data(), outs[i].nbytes());
    return ok_status();
  }

 private:
  const ir::Node& node_;
  int64_t opset_;
  std::vector<int> in_slots_, out_slots_;
  std::vector<uint8_t*> in_ptrs_, out_ptrs_;
};

}  // namespace

Status make_reference_step(BuildState& bs, const ir::Node& node, const std::string& kernel) {
  std::vector<int> in_slots(node.inputs().size(), -1), used;
  for (size_t i = 0; i < node.inputs().size(); ++i) {
    const ir::Value* v = node.inputs()[i];
    if (!v || v->is_constant()) continue;
    ASSIGN_OR_RETURN(in_slots[i], bs.plain_slot(v));
    used.push_back(in_slots[i]);
  }
  std::vector<int> out_slots(node.outputs().size(), -1);
  for (size_t i = 0; i < node.outputs().size(); ++i) {
    const ir::Value* v = node.outputs()[i];
    if (!v) continue;
    if (!v->has_shape())
      return internal_error(node.describe() + ": output '" + v->name() + "' has no shape");
    const size_t bytes = static_cast<size_t>(shape_numel(v->shape())) * dtype_size(v->dtype());
    out_slots[i] = bs.new_slot(bytes);
    Placement p;
    p.slot = out_slots[i];
    if (v->dtype() == DataType::kFloat32) p.md = plain_md(v->shape());
    bs.define(v, p);
    used.push_back(out_slots[i]);
  }
  auto step = std::make_unique<ReferenceStep>(node, bs.graph().opset(), in_slots, out_slots);
  step->node_name = node.name();
  step->op_type = node.op_type();
  step->kernel = kernel;
  bs.add_step(std::move(step), used);
  return ok_status();
}

Status reference_accepts(const ir::Node& node) {
  if (!node.domain().empty()) return unsupported("fused op: no reference kernel");
  if (!ops::find_op(node.domain(), node.op_type()))
    return unsupported("op '" + node.op_type() + "' is not in actrt's op list (ops.def)");
  return ok_status();
}

Status view_accepts(const ir::Node& node) {
  // ops::is_view leaves out a Dropout whose mask output needs computing.
  if (!ops::is_view(node)) return unsupported("not a view op (ops.def trait kView), or a Dropout with its mask");
  if (!node.output(0)->has_shape()) return unsupported("no output shape");
  if (node.input(0)->dtype() != node.output(0)->dtype() ||
      shape_numel(node.input(0)->shape()) != shape_numel(node.output(0)->shape()))
    return unsupported("input and output differ in dtype or element count");
  return ok_status();
}

// A view shares the plain slot of its input: no copy, and the memory planner sees the slot
// used for as long as either value is.
Status make_view_step(BuildState& bs, const ir::Node& node, const std::string&) {
  const ir::Value* in = node.input(0);
  const ir::Value* out = node.output(0);
  if (in->is_constant())
    return internal_error(node.describe() + ": view of a constant should have been folded");
  ASSIGN_OR_RETURN(int slot, bs.plain_slot(in));
  Placement p;
  p.slot = slot;
  if (out->dtype() == DataType::kFloat32) p.md = plain_md(out->shape());
  bs.define(out, p);
  return ok_status();
}

}  // namespace actrt::cpu
