// INT8 matrix product (Int8MatMul, fused_ops.h) on oneDNN's s8 x s8 -> s32 matmul.
//
// Same scheme as the INT8 convolution (int8_conv_kernel.cc): A's rows (all leading dims
// flattened, plain row-major) are quantized to s8 with A's per-tensor scale by a scaled reorder
// shared by every INT8 reader of A; the int8 B is packed once per context into oneDNN's layout;
// output scales alpha * x_scale * w_scales[n] per column (mask 1 << 1) dequantize to f32; the
// bias (times beta) is passed divided by those scales because oneDNN 2.x adds it to the s32
// accumulator before scaling; ReLU is a post-op.
#include "backends/cpu/dnnl_steps.h"
#include "backends/cpu/fused_ops.h"
#include "backends/cpu/int8_util.h"
#include "backends/cpu/kernels.h"

namespace actrt::cpu {

using dnnl::memory;
using tag = memory::format_tag;

Status int8_matmul_accepts(const ir::Node& node) {
  RETURN_IF_ERROR(expect_op(node, runtime::kFusedDomain, kInt8MatMul));
  const ir::Value* a = node.input(0);
  const ir::Value* b = node.input(1);
  if (!is_f32(a) || a->is_constant() || !is_f32(node.output(0)))
    return unsupported("A or the output is not a runtime f32 tensor");
  if (!b || !b->is_constant() || b->constant().dtype() != DataType::kInt8 || b->shape().size() != 2)
    return unsupported("B is not a constant 2-D int8 tensor");
  if (node.input(2) && (!node.input(2)->is_constant() ||
                        node.input(2)->constant().dtype() != DataType::kFloat32))
    return unsupported("bias is not a constant f32 tensor");
  auto trans_b = node.attr_int("trans_b", 0);
  if (!trans_b.ok()) return unsupported("trans_b: " + trans_b.status().message());
  const int64_t k = trans_b.value() ? b->shape()[1] : b->shape()[0];
  const int64_t n = trans_b.value() ? b->shape()[0] : b->shape()[1];
  if (a->shape().back() != k) return unsupported("A's last dimension is not B's K");
  if (const ir::Value* c = node.input(2); c && c->constant().numel() != n && c->constant().numel() != 1)
    return unsupported("bias has neither N nor 1 elements");
  return ok_status();  // the scales are checked when the step is made, so that a bad one is named
}

Status make_int8_matmul_step(BuildState& bs, const ir::Node& node, const std::string& kernel) {
  const ir::Value* a = node.input(0);
  const ir::Value* b = node.input(1);
  const ir::Value* y = node.output(0);
  auto step = make_step<DnnlMatMulStep>(node, kernel);
  step->label = "int8 matmul";
  const std::string what = "int8 matmul " + node.describe();
  ASSIGN_OR_RETURN(int64_t trans_b, node.attr_int("trans_b", 0));
  ASSIGN_OR_RETURN(float alpha, node.attr_float("alpha", 1.0f));
  ASSIGN_OR_RETURN(float beta, node.attr_float("beta", 1.0f));
  ASSIGN_OR_RETURN(int64_t relu, node.attr_int("relu", 0));
  const int64_t k = trans_b ? b->shape()[1] : b->shape()[0];
  const int64_t n = trans_b ? b->shape()[0] : b->shape()[1];
  const int64_t m = shape_numel(a->shape()) / k;
  ASSIGN_OR_RETURN(Int8Scales sc, int8_scales_of(node, n));
  const std::vector<float> out_scales = output_scales(sc, alpha);

  const memory::desc src_md({m, k}, memory::data_type::s8, tag::ab);
  const memory::desc dst_md({m, n}, memory::data_type::f32, tag::ab);
  const memory::desc w_user({k, n}, memory::data_type::s8, trans_b ? tag::ba : tag::ab);
  const memory::desc b_md({1, n}, memory::data_type::f32, tag::ab);
  RETURN_IF_ERROR(dnnl_try(what, [&] {
    dnnl::post_ops po;
    if (relu) po.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    dnnl::primitive_attr attr;
    attr.set_output_scales(1 << 1, out_scales);  // per column of dst [M, N]
    attr.set_post_ops(po);
    const memory::desc w_any({k, n}, memory::data_type::s8, tag::any);
    auto d = node.input(2) ? dnnl::matmul::desc(src_md, w_any, b_md, dst_md)
                           : dnnl::matmul::desc(src_md, w_any, dst_md);
    step->pd_ = dnnl::matmul::primitive_desc(d, attr, bs.engine());
    step->prim_ = dnnl::matmul(step->pd_);
    step->src_md_ = step->pd_.src_desc();
    step->dst_md_ = step->pd_.dst_desc();
  }));
  ASSIGN_OR_RETURN(step->weights_,
                   bs.packed_weights(what, b->constant(), w_user, step->pd_.weights_desc()));
  if (const ir::Value* c = node.input(2)) {
    const Tensor scaled = bias_before_scales(c->constant(), out_scales);
    Tensor bias(DataType::kFloat32, {1, n});
    for (int64_t j = 0; j < n; ++j) bias.data<float>()[j] = beta * scaled.data<float>()[j];
    ASSIGN_OR_RETURN(step->bias_, bs.packed_weights(what, bias, b_md, b_md));
  }
  // The s8 copy of A as [M, K] row-major (quantized from A's plain [..., K] bytes).
  ASSIGN_OR_RETURN(Placement src, bs.quantized(a, src_md, sc.x_scale));
  const int dst_slot = define_plain_output(bs, y);
  step->src_slot_ = src.slot;
  step->dst_slot_ = dst_slot;
  bs.add_step(std::move(step), {src.slot, dst_slot});
  return ok_status();
}

}  // namespace actrt::cpu
