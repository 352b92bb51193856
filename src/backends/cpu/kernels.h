// Kernel families of the CPU backend: which nodes each accepts, and the factory that builds its
// step in a context. kernel_registry.cc lists them in priority order; compile() and
// create_context() both go through that one list.
#pragma once

#include <string>

#include "backends/cpu/step.h"
#include "ir/graph.h"

namespace actrt::cpu {

bool conv_accepts(const ir::Node& node);        // FusedConv, 2-D, constant weights
bool int8_conv_accepts(const ir::Node& node);   // Int8Conv: int8 weights with scales
bool int8_matmul_accepts(const ir::Node& node); // Int8MatMul: int8 2-D B with scales
bool pool_accepts(const ir::Node& node);        // MaxPool 2-D
bool matmul_accepts(const ir::Node& node);      // FusedMatMul, plain batched MatMul
bool attention_accepts(const ir::Node& node);   // FusedAttention
bool layernorm_accepts(const ir::Node& node);   // LayerNormalization
bool softmax_accepts(const ir::Node& node);     // Softmax over the last axis
bool eltwise_accepts(const ir::Node& node);     // FusedEltwise
bool view_accepts(const ir::Node& node);        // Reshape and other zero-copy views
bool transpose_accepts(const ir::Node& node);   // Transpose, any dtype
bool concat_accepts(const ir::Node& node);      // Concat, any dtype
bool gather_accepts(const ir::Node& node);      // Gather with constant indices

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

// The kernel name a node gets ("onednn.conv", "cpu.view", "reference.Transpose", "folded").
std::string choose_kernel(const ir::Node& node);
// Whether the kernel computes in INT8 (the s8 oneDNN kernels).
bool is_int8_kernel(const std::string& kernel);
// Builds the steps of `node` with the kernel that choose_kernel() named.
Status make_step(BuildState& bs, const ir::Node& node, const std::string& kernel);

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
