// Patterns that the CPU and CUDA backends both fuse into their own ops (backends/cpu/fusion.cc,
// backends/cuda/fusion.cc): the matching is written once here, the fused op each backend builds
// from a match is its own.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "passes/graph_rewriter.h"

namespace actrt::passes {

// MatMul(Q, K^T) [* or / scalar constants] -> Softmax(last axis) -> MatMul(., V), matched from
// the last MatMul. K^T may be an explicit Transpose of the last two axes of K (then K itself is
// returned with k_transposed = false). Batch dimensions must agree exactly. Q may be a constant
// (ACT's decoder layer 0 queries fold to one, since tgt = 0); K and V may not.
struct AttentionMatch {
  ir::Node* qk = nullptr;  // the Q K^T MatMul (its name names the fused node)
  ir::Value *q = nullptr, *k = nullptr, *v = nullptr;
  bool k_transposed = true;  // K given as [..., D, Sk]
  float scale = 1.0f;
  ir::Value* out = nullptr;        // the P V MatMul's output
  std::vector<ir::Node*> nodes;    // matched nodes; the rewrite removes them
};
std::optional<AttentionMatch> match_attention(GraphRewriter& rw, ir::Node* pv);

// Rewrites every match into one node of `op_type` in `domain` with inputs (Q, K, V) and
// attributes scale and k_transposed, the shape both backends' fused attention takes. Returns
// the number of rewrites.
int fuse_attention_as(GraphRewriter& rw, const char* op_type, const std::string& domain);

// What follows a value `out` (a convolution's output) that an epilogue can absorb:
// [Add(out, Z) with Z a runtime value of out's shape] then [Relu].
struct EpilogueMatch {
  ir::Value* residual = nullptr;
  bool relu = false;
  ir::Value* out = nullptr;      // the last absorbed node's output (or `out` itself)
  std::vector<ir::Node*> nodes;  // the absorbed Add / Relu
};
EpilogueMatch match_residual_relu(GraphRewriter& rw, ir::Value* out);

// Elementwise chains (both backends' fused elementwise op): a node of `op_type` in `domain` with
// input 0 = x, inputs 1.. = operands, and one entry per op in the attributes ops (the backend's op
// code), operand (input index, -1 for unary ops) and reversed (1: the operand is the left side).
ir::Node* new_elementwise_chain(GraphRewriter& rw, const std::string& name, const char* op_type,
                                const std::string& domain, ir::Value* x, ir::Value* out);
// Appends node n (one op, already matched) to `chain`: adds `operand` as an input unless it is
// one already, records the op, and moves n's output `out` onto the chain (n is removed).
void append_to_elementwise_chain(GraphRewriter& rw, ir::Node* chain, ir::Node* n, int64_t op,
                                 ir::Value* operand, bool reversed, ir::Value* out);

}  // namespace actrt::passes
