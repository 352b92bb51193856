#include "backends/cuda/fusion.h"

#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/int8_lowering.h"
#include "backends/cuda/kernels.h"
#include "backends/cuda/matmul_addend.h"
#include "core/half.h"
#include "ops/elementwise_op.h"
#include "runtime/plan.h"
#include "passes/fusion_patterns.h"
#include "passes/graph_rewriter.h"
#include "passes/pass_util.h"
#include "passes/fuse_conv_affine.h"
#include "passes/fuse_layer_norm.h"

namespace actrt::cuda {

namespace {

using Rewriter = passes::GraphRewriter;
using passes::detail::is_op;
using passes::const_f32;
using passes::f32_shaped;

// Conv(x, const W[, const B]) [+ Z] [-> Relu], 2-D, symmetric padding (what cuDNN takes).
int fuse_conv(Rewriter& rw) {
  int count = 0;
  for (ir::Node* conv : rw.live_nodes()) {
    if (rw.removed(conv) || !is_op(conv, "Conv")) continue;
    const ir::Value* x = conv->input(0);
    const ir::Value* w = conv->input(1);
    if (!f32_shaped(x) || x->shape().size() != 4 || !const_f32(w) ||
        (conv->input(2) && !const_f32(conv->input(2))) || !f32_shaped(conv->output(0)))
      continue;
    auto ap = conv->attr_string("auto_pad", "NOTSET");
    if (!ap.ok() || (ap.value() != "NOTSET" && ap.value() != "VALID")) continue;
    auto pads = conv->attr_ints("pads", {0, 0, 0, 0});
    if (!pads.ok() || pads->size() != 4 || (*pads)[0] != (*pads)[2] || (*pads)[1] != (*pads)[3])
      continue;
    // Bias always present: cuDNN's fused call needs one.
    ir::Value* bias = conv->input(2);
    const int64_t m = w->shape()[0];
    if (!bias) bias = rw.graph().add_constant(conv->name() + "/zero_bias",
                                              Tensor(DataType::kFloat32, {m}));
    std::vector<ir::Value*> inputs{conv->input(0), conv->input(1), bias};
    const passes::EpilogueMatch e = passes::match_residual_relu(rw, conv->output(0));
    if (e.residual) inputs.push_back(e.residual);
    std::vector<ir::Node*> dead{conv};
    dead.insert(dead.end(), e.nodes.begin(), e.nodes.end());
    ir::Value* out = e.out;
    const int64_t relu = e.relu ? 1 : 0;
    ir::Node* fused =
        rw.graph().add_node(conv->name(), kCudaConv, inputs, {out}, runtime::kFusedDomain);
    fused->set_attribute("strides", ir::Attribute::from_ints(
                                        conv->attr_ints("strides", {1, 1}).value()));
    fused->set_attribute("dilations", ir::Attribute::from_ints(
                                          conv->attr_ints("dilations", {1, 1}).value()));
    fused->set_attribute("pads", ir::Attribute::from_ints(*pads));
    fused->set_attribute("group", ir::Attribute::from_int(conv->attr_int("group", 1).value()));
    fused->set_attribute("relu", ir::Attribute::from_int(relu));
    fused->set_attribute("algo", ir::Attribute::from_int(-1));
    for (ir::Node* d : dead) rw.remove(d);
    out->set_producer(fused);
    rw.refresh();
    ++count;
  }
  return count;
}

bool is_bias_for(const ir::Value* c, int64_t n, size_t out_rank) {
  if (!const_f32(c)) return false;
  const Shape& s = c->shape();
  if (s.size() > out_rank) return false;
  for (size_t i = 0; i + 1 < s.size(); ++i)
    if (s[i] != 1) return false;
  return c->constant().numel() == n || c->constant().numel() == 1;
}

// A bias constant [N] (expanding a single element), multiplied by beta.
ir::Value* make_bias(ir::Graph& g, const std::string& name, const ir::Value* c, int64_t n,
                     float beta) {
  Tensor t(DataType::kFloat32, {n});
  const float* src = c->constant().data<float>();
  const bool single = c->constant().numel() == 1;
  for (int64_t i = 0; i < n; ++i) t.data<float>()[i] = beta * src[single ? 0 : i];
  return g.add_constant(name + "/bias", std::move(t));
}

// Gemm(A, const B[, C]) / MatMul(A, B) [+ bias] [-> Relu].
int fuse_matmul(Rewriter& rw) {
  int count = 0;
  for (ir::Node* mm : rw.live_nodes()) {
    if (rw.removed(mm)) continue;
    const bool gemm = is_op(mm, "Gemm");
    if (!gemm && !is_op(mm, "MatMul")) continue;
    ir::Value* a = mm->input(0);
    ir::Value* b = mm->input(1);
    ir::Value* out = mm->output(0);
    // A may be constant when B is not (ACT's decoder cross-attention: constant queries against
    // runtime keys); both constant would have been folded.
    if (!f32_shaped(a) || (a->is_constant() && b->is_constant()) || !f32_shaped(b) || !f32_shaped(out) ||
        a->shape().size() < 2 || b->shape().size() < 2)
      continue;
    const bool b_const = b->is_constant();
    if (b_const && b->shape().size() != 2) continue;
    if (!b_const) {  // batched: B's batch dims equal A's (or B is a plain matrix)
      const Shape &as = a->shape(), &bs = b->shape();
      if (gemm) continue;
      if (bs.size() != 2 && bs.size() != as.size()) continue;
      bool ok = true;
      for (size_t i = 0; bs.size() > 2 && i + 2 < bs.size(); ++i) ok &= as[i] == bs[i];
      if (!ok) continue;
    }
    std::vector<ir::Value*> inputs{a, b};
    std::vector<ir::Node*> dead{mm};
    int64_t trans_b = 0;
    float alpha = 1.0f;
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
      const int64_t n = trans_b ? b->shape()[0] : b->shape()[1];
      if (mm->input(2)) {
        if (!is_bias_for(mm->input(2), n, 2)) continue;
        inputs.push_back(make_bias(rw.graph(), mm->name(), mm->input(2), n, be.value()));
      }
    } else if (b_const) {
      const int64_t n = b->shape()[1];
      ir::Node* add = rw.sole_reader(out);
      if (is_op(add, "Add")) {
        ir::Value* c = add->input(0) == out ? add->input(1) : add->input(0);
        if (is_bias_for(c, n, out_rank) && add->output(0)->shape() == out->shape()) {
          inputs.push_back(make_bias(rw.graph(), mm->name(), c, n, 1.0f));
          dead.push_back(add);
          out = add->output(0);
        }
      }
    }
    int64_t relu = 0;
    if (ir::Node* next = rw.sole_reader(out); is_op(next, "Relu")) {
      relu = 1;
      dead.push_back(next);
      out = next->output(0);
    }
    ir::Node* fused =
        rw.graph().add_node(mm->name(), kCudaMatMul, inputs, {out}, runtime::kFusedDomain);
    fused->set_attribute("trans_b", ir::Attribute::from_int(trans_b));
    fused->set_attribute("alpha", ir::Attribute::from_float(alpha));
    fused->set_attribute("relu", ir::Attribute::from_int(relu));
    for (ir::Node* d : dead) rw.remove(d);
    out->set_producer(fused);
    rw.refresh();
    ++count;
  }
  return count;
}

// LayerNormalization(X, const gamma, const beta) over the last axis, with X = Add(a, b) of two
// same-shape runtime values folded in as the residual.
int fuse_layer_norm(Rewriter& rw) {
  int count = 0;
  for (ir::Node* ln : rw.live_nodes()) {
    if (rw.removed(ln) || !is_op(ln, "LayerNormalization") || ln->outputs().size() != 1) continue;
    ir::Value* x = ln->input(0);
    if (!f32_shaped(x) || x->shape().empty() || !f32_shaped(ln->output(0))) continue;
    const int64_t rank = static_cast<int64_t>(x->shape().size());
    auto axis = ln->attr_int("axis", -1);
    if (!axis.ok() || (axis.value() != -1 && axis.value() != rank - 1)) continue;
    const int64_t n = x->shape().back();
    ir::Value* gamma = ln->input(1);
    ir::Value* beta = ln->input(2);
    if (!const_f32(gamma) || gamma->constant().numel() != n) continue;
    if (beta && (!const_f32(beta) || beta->constant().numel() != n)) continue;
    if (!beta) beta = rw.graph().add_constant(ln->name() + "/zero_beta",
                                              Tensor(DataType::kFloat32, {n}));
    std::vector<ir::Node*> dead{ln};
    ir::Value* in0 = x;
    ir::Value* residual = nullptr;
    ir::Node* add = rw.producer(x);
    // The residual may be a constant (ACT's decoder layer 0 adds the folded constant query).
    if (is_op(add, "Add") && rw.sole_reader(x) && f32_shaped(add->input(0)) &&
        f32_shaped(add->input(1)) &&
        (!add->input(0)->is_constant() || !add->input(1)->is_constant()) &&
        add->input(0)->shape() == x->shape() && add->input(1)->shape() == x->shape()) {
      const int runtime = add->input(0)->is_constant() ? 1 : 0;
      in0 = add->input(runtime);
      residual = add->input(1 - runtime);
      dead.push_back(add);
    }
    ir::Node* fused = rw.graph().add_node(ln->name(), kCudaLayerNorm, {in0, residual, gamma, beta},
                                          {ln->output(0)}, runtime::kFusedDomain);
    fused->set_attribute("epsilon",
                         ir::Attribute::from_float(ln->attr_float("epsilon", 1e-5f).value()));
    for (ir::Node* d : dead) rw.remove(d);
    ln->output(0)->set_producer(fused);
    rw.refresh();
    ++count;
  }
  return count;
}

// ops::ElementwiseOp's numbers are this backend's EltOp codes (kernels.h), which engine files
// store; these catch a group that grew or moved on one side only.
static_assert(static_cast<int>(ops::ElementwiseOp::kAdd) == static_cast<int>(EltOp::kAdd) &&
              static_cast<int>(ops::ElementwiseOp::kMax) == static_cast<int>(EltOp::kMax) &&
              static_cast<int>(ops::ElementwiseOp::kRelu) == static_cast<int>(EltOp::kRelu) &&
              static_cast<int>(ops::ElementwiseOp::kGeluTanh) == static_cast<int>(EltOp::kGeluTanh));

std::optional<EltOp> elt_op_of(const ir::Node* n) {
  const auto op = ops::elementwise_op_of(*n);
  // Min / Max are variadic in ONNX: not fused here.
  if (!op || *op == ops::ElementwiseOp::kMin || *op == ops::ElementwiseOp::kMax)
    return std::nullopt;
  return static_cast<EltOp>(static_cast<int>(*op));
}

int fuse_eltwise(Rewriter& rw) {
  int created = 0;
  std::unordered_set<ir::Node*> chains;
  for (ir::Node* n : rw.live_nodes()) {
    if (rw.removed(n)) continue;
    const auto op = elt_op_of(n);
    if (!op) continue;
    ir::Value* out = n->output(0);
    if (!f32_shaped(out) || out->is_constant() || out->shape().size() > kMaxEltRank) continue;
    const bool unary = !is_binary(*op);
    if (n->inputs().size() != (unary ? 1u : 2u)) continue;
    bool ok = true;
    for (const ir::Value* v : n->inputs()) ok &= f32_shaped(v);
    if (!ok) continue;
    int main = -1;
    for (int i = 0; i < static_cast<int>(n->inputs().size()); ++i) {
      ir::Value* v = n->inputs()[i];
      if (v->is_constant() || v->shape() != out->shape()) continue;
      ir::Node* p = rw.producer(v);
      const bool extends = p && chains.count(p) && rw.sole_reader(v);
      if (main < 0 || extends) main = i;
    }
    if (main < 0) continue;
    ir::Value* x = n->inputs()[main];
    ir::Value* operand = unary ? nullptr : n->inputs()[1 - main];
    if (operand) {
      const Shape& s = operand->shape();
      if (s.size() > out->shape().size()) continue;
      for (size_t k = 0; k < s.size(); ++k) {
        const int64_t d = s[s.size() - 1 - k];
        ok &= d == 1 || d == out->shape()[out->shape().size() - 1 - k];
      }
      if (!ok) continue;
    }
    ir::Node* chain = rw.producer(x);
    bool extend = chain && chains.count(chain) && rw.sole_reader(x) &&
                  chain->attributes().at("ops").ints.size() < size_t(kMaxEltOps);
    if (extend && operand) {
      bool present = false;
      for (size_t i = 1; i < chain->inputs().size(); ++i) present |= chain->inputs()[i] == operand;
      if (!present && chain->inputs().size() > size_t(kMaxEltOperands)) extend = false;
    }
    if (!extend) {
      chain = passes::new_elementwise_chain(rw, n->name(), kCudaEltwise, runtime::kFusedDomain,
                                            x, out);
      chains.insert(chain);
      ++created;
    }
    passes::append_to_elementwise_chain(rw, chain, n, static_cast<int64_t>(*op), operand,
                                        !unary && main == 1, out);
  }
  return created;
}

// ---- NHWC layout -------------------------------------------------------------------------

Shape nchw_to_nhwc(const Shape& s) { return {s[0], s[2], s[3], s[1]}; }

bool is_nhwc_op(const ir::Node* n) {
  return n->domain() == runtime::kFusedDomain &&
         (n->op_type() == kCudaConv || n->op_type() == kCudaMaxPool);
}

// ONNX MaxPool (2-D, f32, one output, no ceil_mode surprises handled by geometry) -> CudaMaxPool
// (still NCHW semantics until to_nhwc runs).
int convert_maxpool(ir::Graph& g) {
  int count = 0;
  std::vector<ir::Node*> nodes;
  for (const auto& n : g.nodes()) nodes.push_back(n.get());
  for (ir::Node* n : nodes) {
    if (!is_op(n, "MaxPool") || n->outputs().size() != 1 || !f32_shaped(n->input(0)) ||
        n->input(0)->shape().size() != 4 || !f32_shaped(n->output(0)))
      continue;
    auto sp = n->attr_int("storage_order", 0);
    if (!sp.ok() || sp.value() != 0) continue;
    auto ap = n->attr_string("auto_pad", "NOTSET");
    if (!ap.ok() || (ap.value() != "NOTSET" && ap.value() != "VALID")) continue;
    auto k = n->attr_ints("kernel_shape", {});
    if (!k.ok() || k->size() != 2) continue;
    ir::Node* p = g.add_node(n->name(), kCudaMaxPool, {n->input(0)}, {n->output(0)},
                             runtime::kFusedDomain);
    p->set_attribute("kernel_shape", ir::Attribute::from_ints(*k));
    p->set_attribute("strides", ir::Attribute::from_ints(n->attr_ints("strides", {1, 1}).value()));
    p->set_attribute("pads",
                     ir::Attribute::from_ints(n->attr_ints("pads", {0, 0, 0, 0}).value()));
    p->set_attribute("dilations",
                     ir::Attribute::from_ints(n->attr_ints("dilations", {1, 1}).value()));
    g.remove_node(n);
    n->output(0)->set_producer(p);
    ++count;
  }
  g.compact();
  return count;
}

// OIHW -> OHWI (cuDNN's KRSC for NHWC filters).
Tensor weights_to_krsc(const Tensor& w) {
  const Shape& s = w.shape();
  const int64_t o = s[0], i = s[1], h = s[2], wd = s[3];
  Tensor out(DataType::kFloat32, {o, h, wd, i});
  const float* src = w.data<float>();
  float* dst = out.data<float>();
  for (int64_t a = 0; a < o; ++a)
    for (int64_t c = 0; c < i; ++c)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < wd; ++x)
          dst[((a * h + y) * wd + x) * i + c] = src[((a * i + c) * h + y) * wd + x];
  return out;
}

Status to_nhwc(ir::Graph& g, FusionStats& stats) {
  int& transposes = stats.layout_transposes;
  RETURN_IF_ERROR(g.topological_sort());
  std::unordered_map<const ir::Value*, ir::Value*> nhwc_of;  // NCHW value -> its NHWC twin
  std::vector<ir::Node*> nodes;
  for (const auto& n : g.nodes()) nodes.push_back(n.get());
  std::unordered_map<const ir::Value*, std::vector<ir::Node*>> uses = g.build_uses();
  // Weights shared by several convs are reordered once.
  std::unordered_map<const ir::Value*, ir::Value*> krsc_of;
  for (ir::Node* n : nodes) {
    if (!is_nhwc_op(n)) continue;
    // Activation inputs: slot 0, and slot 3 (residual) of a conv.
    for (size_t slot : {size_t{0}, size_t{3}}) {
      ir::Value* v = n->input(slot);
      if (!v) continue;
      auto it = nhwc_of.find(v);
      if (it == nhwc_of.end()) {
        ir::Value* t = g.add_value(g.make_unique_name(v->name() + "/nhwc"));
        t->set_dtype(v->dtype());
        t->set_shape(nchw_to_nhwc(v->shape()));
        ir::Node* tr = g.add_node(g.make_unique_name(v->name() + "/to_nhwc"), "Transpose", {v}, {t});
        tr->set_attribute("perm", ir::Attribute::from_ints({0, 2, 3, 1}));
        ++transposes;
        it = nhwc_of.emplace(v, t).first;
        stats.nhwc_origin[t->name()] = v->name();
      }
      n->inputs()[slot] = it->second;
    }
    if (n->op_type() == kCudaConv) {
      ir::Value* w = n->input(1);
      auto kt = krsc_of.find(w);
      if (kt == krsc_of.end())
        kt = krsc_of.emplace(w, g.add_constant(w->name() + "/krsc", weights_to_krsc(w->constant())))
                 .first;
      n->inputs()[1] = kt->second;
    }
    // The output becomes NHWC; the NCHW original is produced by a Transpose back, which
    // dead-code removal drops when only NHWC ops read it.
    ir::Value* y = n->output(0);
    ir::Value* t = g.add_value(g.make_unique_name(y->name() + "/nhwc"));
    t->set_dtype(y->dtype());
    t->set_shape(nchw_to_nhwc(y->shape()));
    n->outputs()[0] = t;
    t->set_producer(n);
    nhwc_of[y] = t;
    stats.nhwc_origin[t->name()] = y->name();
    bool needs_nchw = g.is_graph_output(y);
    for (ir::Node* u : uses[y]) needs_nchw |= !is_nhwc_op(u);
    if (needs_nchw) {
      ir::Node* tr = g.add_node(g.make_unique_name(y->name() + "/to_nchw"), "Transpose", {t}, {y});
      tr->set_attribute("perm", ir::Attribute::from_ints({0, 3, 1, 2}));
      y->set_producer(tr);
      ++transposes;
    } else {
      y->set_producer(nullptr);
    }
  }
  g.compact();
  return g.topological_sort();
}

}  // namespace

Result<FusionStats> fuse_for_cuda(ir::Graph& graph) {
  RETURN_IF_ERROR(graph.topological_sort());
  // Backend-neutral exact rewrites first: frozen BatchNorm into conv weights, decomposed
  // LayerNorm into LayerNormalization.
  ASSIGN_OR_RETURN(auto r1, passes::fuse_conv_affine(graph));
  ASSIGN_OR_RETURN(auto r2, passes::fuse_layer_norm(graph));
  (void)r1;
  (void)r2;
  FusionStats stats;
  {
    Rewriter rw(graph);
    stats.attention = passes::fuse_attention_as(rw, kCudaAttention, runtime::kFusedDomain);
    stats.conv = fuse_conv(rw);
    stats.matmul = fuse_matmul(rw);
    stats.matmul_input_offsets = fold_matmul_input_offsets(rw);
    stats.layer_norm = fuse_layer_norm(rw);
    stats.eltwise = fuse_eltwise(rw);
  }
  graph.compact();
  RETURN_IF_ERROR(graph.topological_sort());
  convert_maxpool(graph);
  RETURN_IF_ERROR(to_nhwc(graph, stats));
  return stats;
}

namespace {

Tensor to_f16(const Tensor& t) {
  Tensor out(DataType::kFloat16, t.shape());
  const float* s = t.data<float>();
  uint16_t* d = out.data<uint16_t>();
  for (int64_t i = 0; i < t.numel(); ++i) d[i] = float_to_fp16(s[i]);
  return out;
}

}  // namespace

namespace {

// Constants that stay FP32 in FP16 builds: LayerNorm's gamma / beta (its statistics are FP32),
// an INT8 convolution's or matrix product's bias and scales (FP32 epilogue math), Q/DQ scales.
bool keeps_fp32_constant(const ir::Node& n, size_t slot) {
  if (n.domain() == runtime::kFusedDomain && n.op_type() == kCudaLayerNorm) return slot >= 2;
  if (is_int8_conv(n) || is_int8_matmul(n)) return slot >= 2;
  if (n.domain().empty() && (n.op_type() == "QuantizeLinear" || n.op_type() == "DequantizeLinear"))
    return slot == 1;
  return false;
}

}  // namespace

Status convert_to_fp16(ir::Graph& g) {
  RETURN_IF_ERROR(g.topological_sort());
  std::vector<ir::Node*> nodes;
  for (const auto& n : g.nodes()) nodes.push_back(n.get());
  // Constants: one FP16 copy per f32 constant, shared by all readers; LayerNorm statistics
  // parameters stay FP32.
  std::unordered_map<const ir::Value*, ir::Value*> half_const;
  std::unordered_set<const ir::Value*> inputs(g.inputs().begin(), g.inputs().end());
  std::unordered_set<const ir::Value*> outputs(g.outputs().begin(), g.outputs().end());
  for (ir::Node* n : nodes) {
    for (size_t i = 0; i < n->inputs().size(); ++i) {
      ir::Value* v = n->inputs()[i];
      if (!v || !v->is_constant() || v->dtype() != DataType::kFloat32) continue;
      if (keeps_fp32_constant(*n, i)) continue;
      auto it = half_const.find(v);
      if (it == half_const.end())
        it = half_const.emplace(v, g.add_constant(v->name() + "/fp16", to_f16(v->constant()))).first;
      n->inputs()[i] = it->second;
    }
    // ONNX Cast to float now casts to half.
    if (is_op(n, "Cast") && n->attr_int("to", 0).value() == int64_t(DataType::kFloat32))
      n->set_attribute("to", ir::Attribute::from_int(int64_t(DataType::kFloat16)));
  }
  // Activations.
  for (ir::Node* n : nodes)
    for (ir::Value* v : n->outputs())
      if (v && v->dtype() == DataType::kFloat32 && !v->is_constant()) v->set_dtype(DataType::kFloat16);
  // Graph outputs: produce into an FP16 twin, Cast back into the output value itself.
  for (ir::Value* y : g.outputs()) {
    if (y->dtype() != DataType::kFloat16 || !y->producer()) continue;
    ir::Node* p = y->producer();
    ir::Value* h = g.add_value(g.make_unique_name(y->name() + "/fp16"));
    h->set_dtype(DataType::kFloat16);
    h->set_shape(y->shape());
    for (auto& o : p->outputs())
      if (o == y) o = h;
    h->set_producer(p);
    // Other readers of y read the FP16 twin.
    for (ir::Node* n : nodes)
      for (auto& in : n->inputs())
        if (in == y) in = h;
    y->set_dtype(DataType::kFloat32);
    ir::Node* c = g.add_node(g.make_unique_name(y->name() + "/to_fp32"), "Cast", {h}, {y});
    c->set_attribute("to", ir::Attribute::from_int(int64_t(DataType::kFloat32)));
    y->set_producer(c);
  }
  // Graph inputs: one Cast to FP16 each, read by every former reader.
  for (ir::Value* x : g.inputs()) {
    if (x->dtype() != DataType::kFloat32) continue;
    ir::Value* h = g.add_value(g.make_unique_name(x->name() + "/fp16"));
    h->set_dtype(DataType::kFloat16);
    h->set_shape(x->shape());
    bool used = false;
    for (ir::Node* n : nodes)
      for (auto& in : n->inputs())
        if (in == x) {
          in = h;
          used = true;
        }
    if (!used) continue;
    ir::Node* c = g.add_node(g.make_unique_name(x->name() + "/to_fp16"), "Cast", {x}, {h});
    c->set_attribute("to", ir::Attribute::from_int(int64_t(DataType::kFloat16)));
    h->set_producer(c);
  }
  g.compact();
  (void)outputs;
  (void)inputs;
  return g.topological_sort();
}

}  // namespace actrt::cuda
