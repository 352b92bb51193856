// INT8 2-D convolution (Int8Conv, fused_ops.h) on oneDNN's s8 x s8 -> s32 kernels.
//
// The activation is quantized to s8 with its per-tensor scale by a scaled reorder
// (BuildState::quantized), straight into the layout oneDNN chose for the primitive (format_tag
// any: nhwc-like blocked layouts, VNNI kernels where the CPU has them). The int8 weights are
// reordered once, when the context is created, into oneDNN's layout (which also precomputes the
// s8-source compensation). Dequantization is fused: oneDNN's output scales are
// x_scale * w_scales[c] per output channel (mask 1 << 1), then the sum (residual) and ReLU
// post-ops run on the f32 result, exactly the FusedConv epilogue. With y_scale (int8_lowering.h)
// the output scales also divide by y_scale and dst is s8: the next Int8Conv reads it as is; with
// z_scale the residual is an s8 tensor, added with the sum post-op's scale.
//
// oneDNN 2.x (Debian's libdnnl 2.6) computes dst = output_scale * (acc_s32 + bias): the bias is
// added BEFORE the scales (oneDNN 3 moved it after). So the f32 bias is passed divided by
// x_scale * w_scales[c]; tests/ops/cpu_int8_test.cc checks a biased conv against the fake-quant
// reference, which catches either convention being wrong.
#include <cmath>

#include "backends/cpu/conv_util.h"
#include "backends/cpu/dnnl_steps.h"
#include "backends/cpu/fused_ops.h"
#include "backends/cpu/int8_util.h"
#include "backends/cpu/kernels.h"

namespace actrt::cpu {

using dnnl::memory;
using tag = memory::format_tag;

Status int8_conv_accepts(const ir::Node& node) {
  RETURN_IF_ERROR(expect_op(node, runtime::kFusedDomain, kInt8Conv));
  const ir::Value* x = node.input(0);
  const ir::Value* w = node.input(1);
  if (!is_f32(x) || x->is_constant() || x->shape().size() != 4)
    return unsupported("input is not a runtime 4-D f32 tensor");
  if (!w || !w->is_constant() || w->constant().dtype() != DataType::kInt8 || w->shape().size() != 4)
    return unsupported("weights are not a constant 4-D int8 tensor");
  if (node.input(2) && (!node.input(2)->is_constant() ||
                        node.input(2)->constant().dtype() != DataType::kFloat32 ||
                        node.input(2)->constant().numel() != w->shape()[0]))
    return unsupported("bias is not a constant f32 vector of one value per output channel");
  // The scales are checked when the step is made, so that a bad one is reported by name.
  return conv_rest_accepts(node);
}

Status make_int8_conv_step(BuildState& bs, const ir::Node& node, const std::string& kernel) {
  const ir::Value* x = node.input(0);
  const ir::Value* w = node.input(1);
  const ir::Value* b = node.input(2);
  const ir::Value* z = node.input(3);
  const ir::Value* y = node.output(0);
  ASSIGN_OR_RETURN(Conv2dParams p, conv_params(node, false));
  ASSIGN_OR_RETURN(int64_t relu, node.attr_int("relu", 0));
  const Shape& ws = w->shape();
  ASSIGN_OR_RETURN(Int8Scales sc, int8_scales_of(node, ws[0]));
  const int64_t g = p.group;
  auto step = make_step<DnnlConvStep>(node, kernel);
  step->label = "int8 convolution";
  const std::string what = "int8 convolution " + node.describe();

  const std::vector<float> out_scales = output_scales(sc, 1.0f);
  // y_scale > 0: write s8 for the Int8Conv readers, requantizing in the same output scales.
  ASSIGN_OR_RETURN(float y_scale, node.attr_float("y_scale", 0.0f));
  if (!(y_scale >= 0.0f) || !std::isfinite(y_scale))
    return invalid_model(node.describe() + ": y_scale must be finite and >= 0, found " +
                         std::to_string(y_scale));
  ASSIGN_OR_RETURN(float z_scale, node.attr_float("z_scale", 0.0f));
  if (!(z_scale >= 0.0f) || !std::isfinite(z_scale) || (z_scale > 0.0f && !z))
    return invalid_model(node.describe() + ": z_scale must be finite, >= 0 and only given with a "
                         "residual input, found " + std::to_string(z_scale));
  // The residual reaches dst in two stages: a copy into dst before the conv (a reorder scaled by
  // copy_scale, or nothing when dst overwrites it in place), then oneDNN's sum post-op adds
  // sum_scale * dst_old in dst's own units.
  float copy_scale = 1.0f, sum_scale = 1.0f;
  if (z_scale > 0.0f && y_scale > 0.0f) sum_scale = z_scale / y_scale;  // s8 -> s8: layout only
  else if (z_scale > 0.0f) copy_scale = z_scale;                       // dequantize into f32
  else if (y_scale > 0.0f) copy_scale = 1.0f / y_scale;                // quantize into s8
  std::vector<float> dst_scales = out_scales;
  if (y_scale > 0.0f)
    for (float& s : dst_scales) s /= y_scale;
  memory::dims w_dims = g == 1 ? memory::dims{ws[0], ws[1], ws[2], ws[3]}
                               : memory::dims{g, ws[0] / g, ws[1], ws[2], ws[3]};
  const memory::desc w_user(w_dims, memory::data_type::s8, g == 1 ? tag::oihw : tag::goihw);
  const memory::desc b_md({ws[0]}, memory::data_type::f32, tag::x);
  const memory::dims x_dims(x->shape().begin(), x->shape().end());
  RETURN_IF_ERROR(dnnl_try(what, [&] {
    dnnl::post_ops po;
    if (z) po.append_sum(sum_scale);
    if (relu) po.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    dnnl::primitive_attr attr;
    attr.set_output_scales(1 << 1, dst_scales);  // per output channel of dst
    attr.set_post_ops(po);
    const memory::desc x_any(x_dims, memory::data_type::s8, tag::any);
    const memory::dims y_dims(y->shape().begin(), y->shape().end());
    const memory::desc y_any =
        y_scale > 0.0f ? memory::desc(y_dims, memory::data_type::s8, tag::any) : any_md(y->shape());
    const memory::desc w_any(w_dims, memory::data_type::s8, tag::any);
    auto d = b ? dnnl::convolution_forward::desc(
                     dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                     x_any, w_any, b_md, y_any, p.strides, p.dilates, p.pad_l, p.pad_r)
               : dnnl::convolution_forward::desc(
                     dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                     x_any, w_any, y_any, p.strides, p.dilates, p.pad_l, p.pad_r);
    step->pd_ = dnnl::convolution_forward::primitive_desc(d, attr, bs.engine());
    step->prim_ = dnnl::convolution_forward(step->pd_);
  }));
  ASSIGN_OR_RETURN(step->weights_, bs.packed_weights(what, w->constant(), w_user,
                                                     step->pd_.weights_desc()));
  if (b) {
    // Relative to the accumulator, the dequantizing scales (not the requantizing ones).
    const Tensor bias = bias_before_scales(b->constant(), out_scales);
    ASSIGN_OR_RETURN(step->bias_, bs.packed_weights(what, bias, b_md, step->pd_.bias_desc()));
  }
  ASSIGN_OR_RETURN(Placement src, bs.quantized(x, step->pd_.src_desc(), sc.x_scale));
  step->src_slot_ = src.slot;
  std::vector<int> used{src.slot};

  // Residual: as in the f32 conv (conv_kernel.cc), in place when this conv is its last reader,
  // it already has dst's layout and type and needs no conversion, else copied into dst before
  // the conv runs.
  Placement out;
  out.md = step->pd_.dst_desc();
  out.plain = y_scale == 0.0f && out.md == plain_md(y->shape());
  if (z) {
    Placement zp;
    if (z_scale > 0.0f) {
      ASSIGN_OR_RETURN(zp, bs.int8_placement(z, z_scale));
    } else {
      ASSIGN_OR_RETURN(zp, bs.primary(z));
      if (zp.md.is_zero()) {
        ASSIGN_OR_RETURN(zp, bs.in_layout(z, plain_md(z->shape())));
      }
    }
    if (copy_scale == 1.0f && zp.md == out.md && z != x && last_reader(bs.graph(), z, node) &&
        !bs.slot_shared(zp.slot) && !bs.graph().is_graph_output(z)) {
      out.slot = zp.slot;
    } else {
      step->res_slot_ = zp.slot;
      step->res_md_ = zp.md;
      step->res_scale_ = copy_scale;
      used.push_back(zp.slot);
    }
  }
  if (out.slot < 0) out.slot = bs.new_slot(out.md.get_size());
  step->dst_slot_ = out.slot;
  used.push_back(out.slot);
  if (y_scale > 0.0f) {
    RETURN_IF_ERROR(bs.define_quantized(y, out, y_scale));
  } else {
    bs.define(y, out);
  }
  bs.add_step(std::move(step), used);
  return ok_status();
}

}  // namespace actrt::cpu
