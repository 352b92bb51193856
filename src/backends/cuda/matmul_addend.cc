#include "backends/cuda/matmul_addend.h"

#include <vector>

#include "backends/cuda/cuda_ops.h"
#include "runtime/plan.h"
#include "passes/pass_util.h"

namespace actrt::cuda {

namespace {

using passes::const_f32;
using passes::f32_shaped;
using passes::detail::is_op;

// alpha * P @ op(W) + bias, P [M, K] row-major, W [K, N] (or [N, K] when trans_b), bias [N] or
// absent.
Tensor offset_product(const float* p, int64_t m, int64_t k, const Tensor& w, bool trans_b,
                      int64_t n, float alpha, const Tensor* bias) {
  Tensor out(DataType::kFloat32, {m, n});
  float* o = out.data<float>();
  const float* wd = w.data<float>();
  for (int64_t i = 0; i < m; ++i) {
    float* row = o + i * n;
    for (int64_t j = 0; j < n; ++j) row[j] = 0.f;
    if (trans_b) {
      for (int64_t j = 0; j < n; ++j) {
        float acc = 0.f;
        for (int64_t kk = 0; kk < k; ++kk) acc += p[i * k + kk] * wd[j * k + kk];
        row[j] = acc;
      }
    } else {
      for (int64_t kk = 0; kk < k; ++kk) {
        const float a = p[i * k + kk];
        const float* wr = wd + kk * n;
        for (int64_t j = 0; j < n; ++j) row[j] += a * wr[j];
      }
    }
    for (int64_t j = 0; j < n; ++j)
      row[j] = alpha * row[j] + (bias ? bias->data<float>()[j] : 0.f);
  }
  return out;
}

}  // namespace

int fold_matmul_input_offsets(passes::GraphRewriter& rw) {
  int count = 0;
  ir::Graph& g = rw.graph();
  std::vector<ir::Node*> maybe_dead;
  for (ir::Node* mm : rw.live_nodes()) {
    if (mm->domain() != runtime::kFusedDomain || mm->op_type() != kCudaMatMul) continue;
    ir::Value* a = mm->input(0);
    ir::Value* w = mm->input(1);
    ir::Value* bias = mm->input(2);
    if (!const_f32(w) || w->shape().size() != 2 || !f32_shaped(a) || a->is_constant()) continue;
    if (bias && (!const_f32(bias) || bias->shape().size() != 1)) continue;
    // a = Add(x, P) or Reshape(Add(x, P)) (a view: same elements in the same order).
    ir::Node* view = nullptr;
    ir::Node* add = rw.producer(a);
    if (is_op(add, "Reshape")) {
      view = add;
      add = rw.producer(view->input(0));
    }
    if (!is_op(add, "Add")) continue;
    ir::Value* x = add->input(0);
    ir::Value* p = add->input(1);
    if (x->is_constant()) std::swap(x, p);
    if (!const_f32(p) || !f32_shaped(x) || x->is_constant() || p->shape() != x->shape()) continue;
    const bool trans_b = mm->attr_int("trans_b", 0).value() != 0;
    const float alpha = mm->attr_float("alpha", 1.0f).value();
    const int64_t k = a->shape().back();
    const int64_t m = shape_numel(a->shape()) / k;
    const int64_t n = trans_b ? w->shape()[0] : w->shape()[1];
    if ((trans_b ? w->shape()[1] : w->shape()[0]) != k) continue;
    // The GEMM's new input: x itself, or a Reshape of x like the one it had.
    ir::Value* new_a = x;
    if (view) {
      new_a = g.add_value(g.make_unique_name(x->name() + "/flat"));
      new_a->set_dtype(x->dtype());
      new_a->set_shape(a->shape());
      ir::Node* r = g.add_node(g.make_unique_name(view->name() + "/offset_free"), "Reshape",
                               {x, view->input(1)}, {new_a});
      r->attributes() = view->attributes();
      new_a->set_producer(r);
      maybe_dead.push_back(view);
    }
    Tensor addend = offset_product(p->constant().data<float>(), m, k, w->constant(), trans_b, n,
                                   alpha, bias ? &bias->constant() : nullptr);
    ir::Value* c = g.add_constant(g.make_unique_name(mm->name() + "/input_offset_addend"),
                                  std::move(addend));
    mm->inputs()[0] = new_a;
    if (mm->inputs().size() < 3) mm->inputs().resize(3, nullptr);
    mm->inputs()[2] = c;
    maybe_dead.push_back(add);
    rw.refresh();
    ++count;
  }
  // Nodes whose outputs nobody reads any more (the Add serves the Q and the K projection, so
  // only the second rewrite frees it).
  for (ir::Node* d : maybe_dead)
    if (!rw.removed(d) && rw.readers(d->output(0)) == 0) {
      rw.remove(d);
      rw.refresh();
    }
  for (ir::Node* d : maybe_dead)
    if (!rw.removed(d) && rw.readers(d->output(0)) == 0) rw.remove(d);
  return count;
}

}  // namespace actrt::cuda
