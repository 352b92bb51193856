// 2-D convolution (FusedConv: bias, residual sum and ReLU as oneDNN post-ops) and max pooling.
//
// Layouts: source, weights and destination are created with format_tag::any, so oneDNN picks
// its blocked layouts (nChw16c on AVX-512). A conv's output stays in that layout; the next conv
// or pool reads it directly, and BuildState inserts a reorder only where a plain kernel reads it.
// Weights are reordered into the chosen layout once, when the context is created.
#include "backends/cpu/conv_util.h"
#include "backends/cpu/dnnl_steps.h"
#include "backends/cpu/fused_ops.h"
#include "backends/cpu/kernels.h"

namespace actrt::cpu {

using dnnl::memory;
using tag = memory::format_tag;

Result<Conv2dParams> conv_params(const ir::Node& node, bool is_pool) {
  Conv2dParams p;
  ASSIGN_OR_RETURN(auto strides, node.attr_ints("strides", {1, 1}));
  ASSIGN_OR_RETURN(auto pads, node.attr_ints("pads", {0, 0, 0, 0}));
  ASSIGN_OR_RETURN(auto dil, node.attr_ints("dilations", {1, 1}));
  ASSIGN_OR_RETURN(auto ks, node.attr_ints("kernel_shape", {}));
  if (strides.size() != 2 || pads.size() != 4 || dil.size() != 2)
    return unsupported(node.describe() + ": only 2-D strides/pads/dilations");
  p.strides = {strides[0], strides[1]};
  p.pad_l = {pads[0], pads[1]};
  p.pad_r = {pads[2], pads[3]};
  p.dilates = {dil[0] - 1, dil[1] - 1};
  if (ks.size() == 2) p.kernel = {ks[0], ks[1]};
  if (!is_pool) {
    ASSIGN_OR_RETURN(p.group, node.attr_int("group", 1));
  }
  return p;
}

bool explicit_padding(const ir::Node& node) {
  auto ap = node.attr_string("auto_pad", "NOTSET");
  return ap.ok() && (ap.value() == "NOTSET" || ap.value() == "VALID");
}

bool last_reader(const ir::Graph& g, const ir::Value* v, const ir::Node& node) {
  bool after = false;
  for (const auto& n : g.nodes()) {
    if (after)
      for (const ir::Value* in : n->inputs())
        if (in == v) return false;
    after |= n.get() == &node;
  }
  return after;
}

memory::desc any_md(const Shape& s) {
  return memory::desc(memory::dims(s.begin(), s.end()), memory::data_type::f32, tag::any);
}

namespace {

class PoolStep final : public Step {
 public:
  Status bind(uint8_t* arena, const std::vector<Slot>& slots) override {
    return dnnl_try("pooling " + node_name, [&] {
      src_ = memory(pd_.src_desc(), pd_.get_engine(), arena + slots[src_slot_].offset);
      dst_ = memory(pd_.dst_desc(), pd_.get_engine(), arena + slots[dst_slot_].offset);
    });
  }
  Status run(const RunEnv& env) override {
    return dnnl_try("pooling " + node_name, [&] {
      prim_.execute(*env.stream, {{DNNL_ARG_SRC, src_}, {DNNL_ARG_DST, dst_}});
    });
  }
  dnnl::pooling_forward::primitive_desc pd_;
  dnnl::pooling_forward prim_;
  int src_slot_ = -1, dst_slot_ = -1;
  memory src_, dst_;
};

}  // namespace

Status conv_accepts(const ir::Node& node) {
  RETURN_IF_ERROR(expect_op(node, runtime::kFusedDomain, kFusedConv));
  const ir::Value* x = node.input(0);
  const ir::Value* w = node.input(1);
  if (!is_f32(x) || x->shape().size() != 4) return unsupported("input is not a 4-D f32 tensor");
  if (!w || !w->is_constant() || w->constant().dtype() != DataType::kFloat32 ||
      w->shape().size() != 4)
    return unsupported("weights are not a constant 4-D f32 tensor");
  if (node.input(2) && !node.input(2)->is_constant()) return unsupported("bias is not constant");
  return conv_rest_accepts(node);
}

Status conv_rest_accepts(const ir::Node& node) {
  if (node.input(3) && (!is_f32(node.input(3)) || node.input(3)->is_constant()))
    return unsupported("residual input is not a runtime f32 tensor");
  if (!explicit_padding(node)) return unsupported("auto_pad is not explicit padding");
  if (Status s = conv_params(node, false).status(); !s.ok())
    return unsupported("convolution attributes: " + s.message());
  if (!is_f32(node.output(0))) return unsupported("output is not f32");
  return ok_status();
}

Status make_conv_step(BuildState& bs, const ir::Node& node, const std::string& kernel) {
  const ir::Value* x = node.input(0);
  const ir::Value* w = node.input(1);
  const ir::Value* b = node.input(2);
  const ir::Value* z = node.input(3);
  const ir::Value* y = node.output(0);
  ASSIGN_OR_RETURN(Conv2dParams p, conv_params(node, false));
  ASSIGN_OR_RETURN(int64_t relu, node.attr_int("relu", 0));
  const Shape& ws = w->shape();
  const int64_t g = p.group;
  auto step = make_step<DnnlConvStep>(node, kernel);
  const std::string what = "convolution " + node.describe();

  memory::dims w_dims = g == 1 ? memory::dims{ws[0], ws[1], ws[2], ws[3]}
                               : memory::dims{g, ws[0] / g, ws[1], ws[2], ws[3]};
  const memory::desc w_user(w_dims, memory::data_type::f32, g == 1 ? tag::oihw : tag::goihw);
  const memory::desc b_user({ws[0]}, memory::data_type::f32, tag::x);
  RETURN_IF_ERROR(dnnl_try(what, [&] {
    dnnl::post_ops po;
    if (z) po.append_sum(1.0f);
    if (relu) po.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(po);
    const memory::desc w_any(w_dims, memory::data_type::f32, tag::any);
    auto d = b ? dnnl::convolution_forward::desc(
                     dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                     any_md(x->shape()), w_any, b_user, any_md(y->shape()), p.strides,
                     p.dilates, p.pad_l, p.pad_r)
               : dnnl::convolution_forward::desc(
                     dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                     any_md(x->shape()), w_any, any_md(y->shape()), p.strides, p.dilates,
                     p.pad_l, p.pad_r);
    step->pd_ = dnnl::convolution_forward::primitive_desc(d, attr, bs.engine());
    step->prim_ = dnnl::convolution_forward(step->pd_);
  }));
  ASSIGN_OR_RETURN(step->weights_, bs.packed_weights(what, w->constant(), w_user,
                                                     step->pd_.weights_desc()));
  if (b) {
    ASSIGN_OR_RETURN(step->bias_, bs.packed_weights(what, b->constant(), b_user,
                                                    step->pd_.bias_desc()));
  }
  ASSIGN_OR_RETURN(Placement src, bs.in_layout(x, step->pd_.src_desc()));
  step->src_slot_ = src.slot;
  std::vector<int> used{src.slot};

  // The residual must be in dst before the conv runs (sum post-op). When the conv is its last
  // reader and it already has dst's layout, the conv writes over it in place; else it is copied
  // (with a layout change if needed) into dst at run time.
  Placement out;
  out.md = step->pd_.dst_desc();
  out.plain = out.md == plain_md(y->shape());
  if (z) {
    ASSIGN_OR_RETURN(Placement zp, bs.primary(z));
    if (zp.md == out.md && z != x && last_reader(bs.graph(), z, node) &&
        !bs.slot_shared(zp.slot) && !bs.graph().is_graph_output(z)) {
      out.slot = zp.slot;
    } else {
      step->res_slot_ = zp.slot;
      step->res_md_ = zp.md;
      used.push_back(zp.slot);
    }
  }
  if (out.slot < 0) out.slot = bs.new_slot(out.md.get_size());
  step->dst_slot_ = out.slot;
  used.push_back(out.slot);
  bs.define(y, out);
  bs.add_step(std::move(step), used);
  return ok_status();
}

Status pool_accepts(const ir::Node& node) {
  RETURN_IF_ERROR(expect_op(node, "", "MaxPool"));
  if (!is_f32(node.input(0)) || node.input(0)->shape().size() != 4 || !is_f32(node.output(0)))
    return unsupported("input or output is not a 4-D f32 tensor");
  if (node.outputs().size() > 1 && node.outputs()[1]) return unsupported("has an Indices output");
  auto p = conv_params(node, true);
  if (!p.ok()) return unsupported("pooling attributes: " + p.status().message());
  if (p->dilates != memory::dims{0, 0}) return unsupported("dilated pooling");
  auto order = node.attr_int("storage_order", 0);
  if (!order.ok() || order.value() != 0) return unsupported("storage_order is not 0");
  if (!explicit_padding(node)) return unsupported("auto_pad is not explicit padding");
  return ok_status();
}

Status make_pool_step(BuildState& bs, const ir::Node& node, const std::string& kernel) {
  const ir::Value* x = node.input(0);
  const ir::Value* y = node.output(0);
  ASSIGN_OR_RETURN(Conv2dParams p, conv_params(node, true));
  // ceil_mode: extend the right padding so that oneDNN's floor arithmetic gives the inferred
  // output size (padding never wins a max in oneDNN).
  for (int i = 0; i < 2; ++i) {
    const int64_t need = (y->shape()[2 + i] - 1) * p.strides[i] + p.kernel[i] -
                         x->shape()[2 + i] - p.pad_l[i];
    p.pad_r[i] = std::max<int64_t>(p.pad_r[i], need);
  }
  auto step = make_step<PoolStep>(node, kernel);
  ASSIGN_OR_RETURN(Placement src, bs.primary(x));
  if (src.md.is_zero()) {
    ASSIGN_OR_RETURN(src, bs.in_layout(x, plain_md(x->shape())));
  }
  RETURN_IF_ERROR(dnnl_try("pooling " + node.describe(), [&] {
    dnnl::pooling_forward::desc d(dnnl::prop_kind::forward_inference,
                                  dnnl::algorithm::pooling_max, src.md, any_md(y->shape()),
                                  p.strides, p.kernel, p.pad_l, p.pad_r);
    step->pd_ = dnnl::pooling_forward::primitive_desc(d, bs.engine());
    step->prim_ = dnnl::pooling_forward(step->pd_);
  }));
  step->src_slot_ = src.slot;
  Placement out;
  out.md = step->pd_.dst_desc();
  out.plain = out.md == plain_md(y->shape());
  out.slot = bs.new_slot(out.md.get_size());
  step->dst_slot_ = out.slot;
  bs.define(y, out);
  bs.add_step(std::move(step), {src.slot, out.slot});
  return ok_status();
}

}  // namespace actrt::cpu
