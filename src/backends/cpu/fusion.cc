#include "backends/cpu/fusion.h"

#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "backends/cpu/fused_ops.h"
#include "ops/elementwise_op.h"
#include "runtime/plan.h"
#include "passes/fusion_patterns.h"
#include "passes/graph_rewriter.h"
#include "passes/pass_util.h"

namespace actrt::cpu {

namespace {

using Rewriter = passes::GraphRewriter;
using passes::detail::is_op;
using passes::f32_shaped;

// Conv(x, const W[, B]) [+ Z] [-> Relu].
int fuse_conv(Rewriter& rw) {
  int count = 0;
  for (ir::Node* conv : rw.live_nodes()) {
    if (rw.removed(conv) || !is_op(conv, "Conv")) continue;
    const ir::Value* w = conv->input(1);
    const ir::Value* x = conv->input(0);
    if (!f32_shaped(x) || x->shape().size() != 4 || !w || !w->is_constant() ||
        (conv->input(2) && !conv->input(2)->is_constant()) || !f32_shaped(conv->output(0)))
      continue;
    auto ap = conv->attr_string("auto_pad", "NOTSET");
    if (!ap.ok() || (ap.value() != "NOTSET" && ap.value() != "VALID")) continue;
    const passes::EpilogueMatch e = passes::match_residual_relu(rw, conv->output(0));
    ir::Node* fused = rw.graph().add_node(
        conv->name(), kFusedConv, {conv->input(0), conv->input(1), conv->input(2), e.residual},
        {e.out}, runtime::kFusedDomain);
    fused->attributes() = conv->attributes();
    fused->set_attribute("relu", ir::Attribute::from_int(e.relu ? 1 : 0));
    rw.remove(conv);
    for (ir::Node* d : e.nodes) rw.remove(d);
    e.out->set_producer(fused);
    rw.refresh();
    ++count;
  }
  return count;
}

// A constant bias for N outputs: N elements varying along the last dim, or one element.
bool is_bias_for(const ir::Value* c, int64_t n, size_t out_rank) {
  if (!c || !c->is_constant() || c->constant().dtype() != DataType::kFloat32) return false;
  const Shape& s = c->shape();
  if (s.size() > out_rank) return false;
  for (size_t i = 0; i + 1 < s.size(); ++i)
    if (s[i] != 1) return false;
  return c->constant().numel() == n || c->constant().numel() == 1;
}

// Gemm(A, const B[, C]) or MatMul(A, const B) [+ bias] -> [Reshape] -> [Relu].
int fuse_matmul(Rewriter& rw) {
  int count = 0;
  std::vector<ir::Node*> nodes;
  for (const auto& n : rw.graph().nodes()) nodes.push_back(n.get());
  for (ir::Node* mm : nodes) {
    if (rw.removed(mm)) continue;
    const bool gemm = is_op(mm, "Gemm");
    if (!gemm && !is_op(mm, "MatMul")) continue;
    ir::Value* a = mm->input(0);
    ir::Value* b = mm->input(1);
    if (!f32_shaped(a) || a->is_constant() || !b || !b->is_constant() ||
        b->constant().dtype() != DataType::kFloat32 || b->shape().size() != 2 ||
        !f32_shaped(mm->output(0)) || a->shape().size() < 2)
      continue;
    std::vector<ir::Value*> inputs{a, b, nullptr};
    std::vector<ir::Node*> dead{mm};
    ir::Node* fused_attrs_src = mm;
    int64_t trans_b = 0;
    float alpha = 1.0f, beta = 1.0f;
    ir::Value* out = mm->output(0);
    const size_t out_rank = out->shape().size();
    if (gemm) {
      auto ta = mm->attr_int("transA", 0);
      auto tb = mm->attr_int("transB", 0);
      auto al = mm->attr_float("alpha", 1.0f);
      auto be = mm->attr_float("beta", 1.0f);
      if (!ta.ok() || ta.value() != 0 || !tb.ok() || !al.ok() || !be.ok() ||
          a->shape().size() != 2)
        continue;
      trans_b = tb.value();
      alpha = al.value();
      beta = be.value();
      const int64_t n = trans_b ? b->shape()[0] : b->shape()[1];
      if (mm->input(2)) {
        if (!is_bias_for(mm->input(2), n, 2)) continue;
        inputs[2] = mm->input(2);
      }
    } else {
      const int64_t n = b->shape()[1];
      ir::Node* add = rw.sole_reader(out);
      if (is_op(add, "Add")) {
        ir::Value* c = add->input(0) == out ? add->input(1) : add->input(0);
        if (is_bias_for(c, n, out_rank) && add->output(0)->shape() == out->shape()) {
          inputs[2] = c;
          dead.push_back(add);
          out = add->output(0);
        }
      }
    }
    (void)fused_attrs_src;
    // ReLU directly, or through a Reshape (ReLU commutes with it): fuse_matmul_add writes
    // Reshape -> Gemm -> Reshape for 3-D activations.
    int64_t relu = 0;
    ir::Node* next = rw.sole_reader(out);
    ir::Node* reshape = nullptr;
    if (is_op(next, "Reshape") && next->input(0) == out) {
      ir::Node* after = rw.sole_reader(next->output(0));
      if (is_op(after, "Relu")) {
        reshape = next;
        next = after;
      }
    }
    if (is_op(next, "Relu")) {
      relu = 1;
      dead.push_back(next);
    }
    ir::Value* fused_out = out;
    if (relu && !reshape) fused_out = next->output(0);
    ir::Node* fused = rw.graph().add_node(mm->name(), kFusedMatMul, inputs, {fused_out},
                                          runtime::kFusedDomain);
    fused->set_attribute("trans_b", ir::Attribute::from_int(trans_b));
    fused->set_attribute("alpha", ir::Attribute::from_float(alpha));
    fused->set_attribute("beta", ir::Attribute::from_float(beta));
    fused->set_attribute("relu", ir::Attribute::from_int(relu));
    for (ir::Node* d : dead) rw.remove(d);
    fused_out->set_producer(fused);
    if (relu && reshape) {
      // The Reshape now produces what the ReLU produced.
      ir::Value* relu_out = next->output(0);
      reshape->outputs()[0] = relu_out;
      relu_out->set_producer(reshape);
    }
    rw.refresh();
    ++count;
  }
  return count;
}

// This backend's code (fused_ops.h, stored in engine files) for what n computes, or nothing when
// its chains do not run that operation.
std::optional<EltwiseOp> cpu_eltwise_op(const ir::Node& n) {
  const auto op = ops::elementwise_op_of(n);
  if (!op) return std::nullopt;
  switch (*op) {
    case ops::ElementwiseOp::kAdd: return EltwiseOp::kAdd;
    case ops::ElementwiseOp::kSub: return EltwiseOp::kSub;
    case ops::ElementwiseOp::kMul: return EltwiseOp::kMul;
    case ops::ElementwiseOp::kDiv: return EltwiseOp::kDiv;
    case ops::ElementwiseOp::kRelu: return EltwiseOp::kRelu;
    default: return std::nullopt;
  }
}

// Elementwise chains of Add/Sub/Mul/Div/Relu on f32.
int fuse_eltwise(Rewriter& rw) {
  int created = 0;
  std::vector<ir::Node*> nodes;
  for (const auto& n : rw.graph().nodes()) nodes.push_back(n.get());
  std::unordered_set<ir::Node*> chains;
  for (ir::Node* n : nodes) {
    if (rw.removed(n)) continue;
    const std::optional<EltwiseOp> fused_op = cpu_eltwise_op(*n);
    if (!fused_op) continue;
    const EltwiseOp op = *fused_op;
    ir::Value* out = n->output(0);
    if (!f32_shaped(out) || out->is_constant()) continue;
    const bool unary = op == EltwiseOp::kRelu;
    if (unary ? n->inputs().size() != 1 : n->inputs().size() != 2) continue;
    bool ok = true;
    for (const ir::Value* v : n->inputs()) ok &= f32_shaped(v);
    if (!ok) continue;
    // The main input has the output's shape and is not a constant; prefer one that extends an
    // existing chain.
    int main = -1;
    for (int i = 0; i < static_cast<int>(n->inputs().size()); ++i) {
      ir::Value* v = n->inputs()[i];
      if (v->is_constant() || v->shape() != out->shape()) continue;
      ir::Node* p = rw.producer(v);
      const bool extends = p && chains.count(p) && rw.readers(v) == 1 && !rw.graph().is_graph_output(v);
      if (main < 0 || extends) main = i;
    }
    if (main < 0) continue;
    ir::Value* x = n->inputs()[main];
    ir::Value* operand = unary ? nullptr : n->inputs()[1 - main];
    if (operand) {  // must broadcast into the output
      const Shape& s = operand->shape();
      if (s.size() > out->shape().size()) continue;
      for (size_t k = 0; k < s.size(); ++k) {
        const int64_t d = s[s.size() - 1 - k];
        ok &= d == 1 || d == out->shape()[out->shape().size() - 1 - k];
      }
      if (!ok) continue;
    }
    ir::Node* chain = rw.producer(x);
    const bool extend = chain && chains.count(chain) && rw.readers(x) == 1 &&
                        !rw.graph().is_graph_output(x) && chain->inputs().size() < 16;
    if (!extend) {
      chain = passes::new_elementwise_chain(rw, n->name(), kFusedEltwise, runtime::kFusedDomain,
                                            x, out);
      chains.insert(chain);
      ++created;
    }
    passes::append_to_elementwise_chain(rw, chain, n, static_cast<int64_t>(op), operand,
                                        !unary && main == 1, out);
  }
  return created;
}

}  // namespace

Result<FusionStats> fuse_for_cpu(ir::Graph& graph) {
  RETURN_IF_ERROR(graph.topological_sort());
  FusionStats stats;
  {
    Rewriter rw(graph);
    stats.attention = passes::fuse_attention_as(rw, kFusedAttention, runtime::kFusedDomain);
    stats.conv = fuse_conv(rw);
    stats.matmul = fuse_matmul(rw);
    stats.eltwise = fuse_eltwise(rw);
  }
  graph.compact();
  RETURN_IF_ERROR(graph.topological_sort());
  return stats;
}

}  // namespace actrt::cpu
