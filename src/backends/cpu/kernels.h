// Kernel families of the CPU backend: which nodes each accepts (ok or the reason), and the
// factory that builds its step in a context. kernel_registry.cc's table lists them in priority
// order; compile(), create_context(), unsupported_reason() and kernels() all read that one table.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "backends/cpu/step.h"
#include "ir/graph.h"
#include "runtime/kernel_table.h"
#include "runtime/plan.h"

namespace actrt::cpu {

// ok, or kUnsupported with the reason this family cannot run the node (runtime/kernel_table.h).
Status folded_accepts(const ir::Node& node);       // every output computed at build time
Status conv_accepts(const ir::Node& node);         // FusedConv, 2-D, constant weights
Status int8_conv_accepts(const ir::Node& node);    // Int8Conv: int8 weights with scales
Status int8_matmul_accepts(const ir::Node& node);  // Int8MatMul: int8 2-D B with scales
Status pool_accepts(const ir::Node& node);         // MaxPool 2-D
Status matmul_accepts(const ir::Node& node);       // FusedMatMul, plain batched MatMul
Status attention_accepts(const ir::Node& node);    // FusedAttention
Status layernorm_accepts(const ir::Node& node);    // LayerNormalization
Status softmax_accepts(const ir::Node& node);      // Softmax over the last axis
Status eltwise_accepts(const ir::Node& node);      // FusedEltwise
Status view_accepts(const ir::Node& node);         // Reshape and other zero-copy views
Status transpose_accepts(const ir::Node& node);    // Transpose, any dtype
Status concat_accepts(const ir::Node& node);       // Concat, any dtype
Status gather_accepts(const ir::Node& node);       // Gather with constant indices
Status reference_accepts(const ir::Node& node);    // any op of ops.def (not the fused ones)

// kUnsupported "not a DOMAIN::OP" unless `node` is that op ("" domain: ONNX).
Status expect_op(const ir::Node& node, std::string_view domain, std::string_view op_type);

Status make_folded_step(BuildState& bs, const ir::Node& node, const std::string& kernel);
Status make_conv_step(BuildState& bs, const ir::Node& node, const std::string& kernel);
Status make_int8_conv_step(BuildState& bs, const ir::Node& node, const std::string& kernel);
Status make_int8_matmul_step(BuildState& bs, const ir::Node& node, const std::string& kernel);
Status make_pool_step(BuildState& bs, const ir::Node& node, const std::string& kernel);
Status make_matmul_step(BuildState& bs, const ir::Node& node, const std::string& kernel);
Status make_attention_step(BuildState& bs, const ir::Node& node, const std::string& kernel);
Status make_layernorm_step(BuildState& bs, const ir::Node& node, const std::string& kernel);
Status make_softmax_step(BuildState& bs, const ir::Node& node, const std::string& kernel);
Status make_eltwise_step(BuildState& bs, const ir::Node& node, const std::string& kernel);
Status make_view_step(BuildState& bs, const ir::Node& node, const std::string& kernel);
Status make_transpose_step(BuildState& bs, const ir::Node& node, const std::string& kernel);
Status make_concat_step(BuildState& bs, const ir::Node& node, const std::string& kernel);
Status make_gather_step(BuildState& bs, const ir::Node& node, const std::string& kernel);
Status make_reference_step(BuildState& bs, const ir::Node& node, const std::string& kernel);

// One row of the CPU kernel table (kernel_registry.cc), in priority order: the first row whose
// accepts() is ok runs the node (runtime::first_accepting).
struct CpuKernel {
  const char* name;     // "onednn.conv"; see per_op_name
  const char* summary;  // one line: docs/ops.md, `actrt inspect --list-kernels`
  runtime::AcceptsFn accepts;
  StepFactory make_step;
  // Runs the node with the scalar reference kernels: counted by build summaries.
  bool host_fallback = false;
  // Computes in INT8 (the s8 oneDNN kernels): plan.layers records Precision::kInt8.
  bool int8 = false;
  // Layers record NAME.<op type> ("reference.Transpose"), not NAME.
  bool per_op_name = false;
};

// The table, in priority order; its last row is the reference fallback, which accepts every op
// of ops.def, so only fused ops this backend cannot run and ops outside ops.def are refused.
std::span<const CpuKernel> cpu_kernels();
// The row that runs `node`, or kUnsupported naming the node and every row's reason.
Result<const CpuKernel*> choose_kernel(const ir::Node& node);
// The kernel name plan.layers records for `node` run by `kernel`.
std::string layer_kernel_name(const CpuKernel& kernel, const ir::Node& node);
// The row a recorded kernel name refers to ("cpu.view", "reference.Concat"); nullptr if none.
const CpuKernel* find_kernel(std::string_view layer_kernel);
// Whether the recorded kernel computes in INT8 (false for unknown names).
bool is_int8_kernel(std::string_view layer_kernel);
// Builds the steps of `node` with the recorded kernel; an error if that kernel does not exist or
// does not accept the node (a plan from another actrt, or an edited one).
Status make_step(BuildState& bs, const ir::Node& node, const std::string& kernel);

// What the compiled graph runs on: one plan.layers entry per node of plan.graph, from the
// table. Every node no kernel accepts is reported at once, each with every kernel's reason.
struct KernelAssignment {
  int int8_layers = 0;
  int host_fallback_layers = 0;
};
Result<KernelAssignment> assign_kernels(runtime::Plan& plan);

// Helpers shared by kernel files.
bool is_f32(const ir::Value* v);
// Defines `v` in a new plain slot and returns the slot.
int define_plain_output(BuildState& bs, const ir::Value* v);

// An f32 input read in plain layout: a constant's own data, or a slot of the arena.
struct Operand {
  int slot = -1;
  const float* constant = nullptr;
  const float* resolve(const uint8_t* arena, const std::vector<Slot>& slots) const {
    return constant ? constant : reinterpret_cast<const float*>(arena + slots[slot].offset);
  }
};
Result<Operand> plain_operand(BuildState& bs, const ir::Value* v);

}  // namespace actrt::cpu
