// Matrix products on oneDNN matmul.
//
// FusedMatMul (constant B): A's leading dims are flattened into rows, B is packed once into the
// layout oneDNN picks (format_tag::any), alpha is folded into the packed B and beta into the
// bias, ReLU is a post-op. A plain MatMul of two runtime tensors (batched, equal batch dims or
// a broadcast B) runs as a batched oneDNN matmul on plain layouts.
#include <cmath>

#include "backends/cpu/dnnl_steps.h"
#include "backends/cpu/fused_ops.h"
#include "backends/cpu/kernels.h"

namespace actrt::cpu {

namespace {

using dnnl::memory;
using tag = memory::format_tag;

// Runtime B: shapes [batch..., M, K] x [batch..., K, N] of equal rank; B's batch dims equal A's
// or are all 1.
bool runtime_matmul_shapes_ok(const Shape& a, const Shape& b, const Shape& y) {
  if (a.size() < 2 || a.size() != b.size() || a.size() > 12 || y.size() != a.size()) return false;
  bool b_broadcast = true, equal = true;
  for (size_t i = 0; i + 2 < a.size(); ++i) {
    b_broadcast &= b[i] == 1;
    equal &= a[i] == b[i];
  }
  return (equal || b_broadcast) && a[a.size() - 1] == b[b.size() - 2];
}

}  // namespace

Status matmul_accepts(const ir::Node& node) {
  const ir::Value* a = node.input(0);
  const ir::Value* b = node.input(1);
  if (node.domain() == runtime::kFusedDomain && node.op_type() == kFusedMatMul) {
    if (!is_f32(a) || a->is_constant() || !is_f32(node.output(0)))
      return unsupported("A or the output is not a runtime f32 tensor");
    if (!b || !b->is_constant() || b->constant().dtype() != DataType::kFloat32 ||
        b->shape().size() != 2)
      return unsupported("weights are not a constant 2-D f32 tensor");
    if (node.input(2) && !node.input(2)->is_constant()) return unsupported("bias is not constant");
    return ok_status();
  }
  if (node.domain().empty() && node.op_type() == "MatMul") {
    if (!is_f32(a) || !is_f32(b) || a->is_constant() || b->is_constant() || !is_f32(node.output(0)))
      return unsupported("A, B or the output is not a runtime f32 tensor");
    if (!runtime_matmul_shapes_ok(a->shape(), b->shape(), node.output(0)->shape()))
      return unsupported("shapes are not [batch..., M, K] x [batch... or 1..., K, N]");
    return ok_status();
  }
  return unsupported("not an actrt FusedMatMul or an ONNX MatMul");
}

Status make_matmul_step(BuildState& bs, const ir::Node& node, const std::string& kernel) {
  const ir::Value* a = node.input(0);
  const ir::Value* b = node.input(1);
  const ir::Value* y = node.output(0);
  auto step = make_step<DnnlMatMulStep>(node, kernel);
  const std::string what = "matmul " + node.describe();
  std::vector<int> used;

  if (b->is_constant()) {
    ASSIGN_OR_RETURN(int64_t trans_b, node.attr_int("trans_b", 0));
    ASSIGN_OR_RETURN(float alpha, node.attr_float("alpha", 1.0f));
    ASSIGN_OR_RETURN(float beta, node.attr_float("beta", 1.0f));
    ASSIGN_OR_RETURN(int64_t relu, node.attr_int("relu", 0));
    const Shape& bs_shape = b->shape();
    const int64_t k = trans_b ? bs_shape[1] : bs_shape[0];
    const int64_t n = trans_b ? bs_shape[0] : bs_shape[1];
    const int64_t m = shape_numel(a->shape()) / k;
    if (a->shape().back() != k)
      return invalid_model(node.describe() + ": A's last dim " + std::to_string(a->shape().back()) +
                           " does not match K=" + std::to_string(k));
    Tensor w = b->constant();
    if (alpha != 1.0f) {
      w = w.clone();
      for (float& v : w.span<float>()) v *= alpha;
    }
    Tensor bias;
    if (const ir::Value* c = node.input(2)) {
      const Tensor& ct = c->constant();
      if (ct.dtype() != DataType::kFloat32 || (ct.numel() != n && ct.numel() != 1))
        return invalid_model(node.describe() + ": bias must have N=" + std::to_string(n) +
                             " or 1 elements, found " + shape_to_string(ct.shape()));
      bias = Tensor(DataType::kFloat32, {1, n});
      for (int64_t j = 0; j < n; ++j)
        bias.data<float>()[j] = beta * ct.data<float>()[ct.numel() == 1 ? 0 : j];
    }
    step->src_md_ = memory::desc({m, k}, memory::data_type::f32, tag::ab);
    step->dst_md_ = memory::desc({m, n}, memory::data_type::f32, tag::ab);
    const memory::desc w_user({k, n}, memory::data_type::f32, trans_b ? tag::ba : tag::ab);
    const memory::desc b_md({1, n}, memory::data_type::f32, tag::ab);
    RETURN_IF_ERROR(dnnl_try(what, [&] {
      dnnl::post_ops po;
      if (relu) po.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
      dnnl::primitive_attr attr;
      attr.set_post_ops(po);
      const memory::desc w_any({k, n}, memory::data_type::f32, tag::any);
      auto d = bias.empty() ? dnnl::matmul::desc(step->src_md_, w_any, step->dst_md_)
                            : dnnl::matmul::desc(step->src_md_, w_any, b_md, step->dst_md_);
      step->pd_ = dnnl::matmul::primitive_desc(d, attr, bs.engine());
      step->prim_ = dnnl::matmul(step->pd_);
    }));
    ASSIGN_OR_RETURN(step->weights_,
                     bs.packed_weights(what, w, w_user, step->pd_.weights_desc()));
    if (!bias.empty()) {
      ASSIGN_OR_RETURN(step->bias_, bs.packed_weights(what, bias, b_md, b_md));
    }
  } else {
    step->src_md_ = plain_md(a->shape());
    step->w_md_ = plain_md(b->shape());
    step->dst_md_ = plain_md(y->shape());
    RETURN_IF_ERROR(dnnl_try(what, [&] {
      dnnl::matmul::desc d(step->src_md_, step->w_md_, step->dst_md_);
      step->pd_ = dnnl::matmul::primitive_desc(d, bs.engine());
      step->prim_ = dnnl::matmul(step->pd_);
    }));
    ASSIGN_OR_RETURN(step->w_slot_, bs.plain_slot(b));
    used.push_back(step->w_slot_);
  }
  ASSIGN_OR_RETURN(step->src_slot_, bs.plain_slot(a));
  used.push_back(step->src_slot_);
  step->dst_slot_ = define_plain_output(bs, y);
  used.push_back(step->dst_slot_);
  bs.add_step(std::move(step), used);
  return ok_status();
}

}  // namespace actrt::cpu
