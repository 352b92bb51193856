#include "backends/cuda/qkv_merge.h"

#include <cstring>
#include <vector>

#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/int8_lowering.h"
#include "ops/op_traits.h"
#include "runtime/plan.h"
#include "passes/graph_rewriter.h"

namespace actrt::cuda {

namespace {

bool is_fused(const ir::Node* n, const char* op) {
  return n && n->domain() == runtime::kFusedDomain && n->op_type() == op;
}

// Shape-only views (ops/op_traits.h): the same elements in the same order.
bool is_view(const ir::Node* n) { return n && ops::is_reshape(*n); }

// The value a chain of views starts from (the same elements in the same order).
const ir::Value* view_root(const ir::Value* v) {
  while (v->producer() && is_view(v->producer())) v = v->producer()->input(0);
  return v;
}

// One attention input that a projection produces: the GEMM and the view nodes in between.
struct Projection {
  int slot = -1;
  ir::Node* gemm = nullptr;
  std::vector<ir::Node*> views;
};

// v <- views <- CudaMatMul, every intermediate value read once.
bool find_projection(passes::GraphRewriter& rw, ir::Value* v, Projection& p) {
  ir::Node* n = rw.producer(v);
  while (is_view(n)) {
    if (rw.readers(n->output(0)) != 1) return false;
    p.views.push_back(n);
    n = rw.producer(n->input(0));
  }
  if (!is_fused(n, kCudaMatMul) || rw.readers(n->output(0)) != 1) return false;
  const ir::Value* b = n->input(1);
  if (!b->is_constant() || b->shape().size() != 2) return false;
  if (n->attr_int("relu", 0).value() != 0 || is_int8_matmul(*n)) return false;
  p.gemm = n;
  return true;
}

int64_t n_of(const ir::Node* mm) {
  const Shape& b = mm->input(1)->shape();
  return mm->attr_int("trans_b", 0).value() != 0 ? b[0] : b[1];
}

// The GEMM's additive term as an [m, n] matrix (bias rows repeated, zeros when absent), in the
// weights' dtype.
Tensor addend_rows(const ir::Node* mm, int64_t m, int64_t n, DataType dt) {
  Tensor out(dt, {m, n});
  const size_t es = dtype_size(dt);
  std::memset(out.raw_data(), 0, out.nbytes());
  const ir::Value* c = mm->input(2);
  if (!c) return out;
  const uint8_t* src = static_cast<const uint8_t*>(c->constant().raw_data());
  uint8_t* dst = static_cast<uint8_t*>(out.raw_data());
  if (c->shape().size() == 1) {
    for (int64_t i = 0; i < m; ++i) std::memcpy(dst + i * n * es, src, n * es);
  } else {
    std::memcpy(dst, src, m * n * es);
  }
  return out;
}

}  // namespace

Result<int> merge_qkv_projections(ir::Graph& graph) {
  passes::GraphRewriter rw(graph);
  int removed = 0;
  for (ir::Node* attn : rw.live_nodes()) {
    if (!is_fused(attn, kCudaAttention) || rw.removed(attn)) continue;
    auto lay = attn->attr_ints("layouts", {0, 0, 0, 0});
    if (!lay.ok() || lay->size() != 4 || attn->attr_int("k_transposed", 0).value() != 0) continue;
    if (attn->attributes().count("head_offsets")) continue;
    // Sequence-major inputs produced by GEMMs over one common input.
    std::vector<Projection> group;
    for (int slot = 0; slot < 3; ++slot) {
      if ((*lay)[slot] != 1) continue;
      Projection p;
      p.slot = slot;
      if (!find_projection(rw, attn->inputs()[slot], p)) continue;
      if (!group.empty()) {
        const ir::Node* g0 = group[0].gemm;
        const ir::Node* g1 = p.gemm;
        if (g0 == g1 || view_root(g0->input(0)) != view_root(g1->input(0)) ||
            g0->input(0)->shape() != g1->input(0)->shape() ||
            g0->input(1)->dtype() != g1->input(1)->dtype() ||
            g0->attr_int("trans_b", 0).value() != g1->attr_int("trans_b", 0).value() ||
            g0->attr_float("alpha", 1.0f).value() != g1->attr_float("alpha", 1.0f).value() ||
            n_of(g0) != n_of(g1) || attn->inputs()[group[0].slot]->shape() !=
                                        attn->inputs()[slot]->shape())
          continue;
      }
      group.push_back(p);
    }
    if (group.size() < 2) continue;
    ir::Node* first = group[0].gemm;
    const Shape& in_shape = attn->inputs()[group[0].slot]->shape();  // [S, H, D]
    const int64_t heads = in_shape[1], d = in_shape[2];
    const int64_t n = n_of(first);
    if (n != heads * d) continue;
    const bool trans_b = first->attr_int("trans_b", 0).value() != 0;
    const ir::Value* a = first->input(0);
    const int64_t k = a->shape().back();
    const int64_t m = shape_numel(a->shape()) / k;
    const int64_t g = static_cast<int64_t>(group.size());
    const DataType wdt = first->input(1)->dtype();
    const size_t es = dtype_size(wdt);
    // Weights side by side along N; the additive terms as one [M, G N] addend.
    Tensor w(wdt, trans_b ? Shape{g * n, k} : Shape{k, g * n});
    Tensor c(wdt, {m, g * n});
    uint8_t* wd = static_cast<uint8_t*>(w.raw_data());
    uint8_t* cd = static_cast<uint8_t*>(c.raw_data());
    bool any_term = false;
    for (int64_t i = 0; i < g; ++i) {
      const ir::Node* mm = group[i].gemm;
      const uint8_t* src = static_cast<const uint8_t*>(mm->input(1)->constant().raw_data());
      if (trans_b) {
        std::memcpy(wd + i * n * k * es, src, n * k * es);
      } else {
        for (int64_t r = 0; r < k; ++r)
          std::memcpy(wd + (r * g * n + i * n) * es, src + r * n * es, n * es);
      }
      any_term |= mm->input(2) != nullptr;
      const Tensor rows = addend_rows(mm, m, n, wdt);
      const uint8_t* rs = static_cast<const uint8_t*>(rows.raw_data());
      for (int64_t r = 0; r < m; ++r)
        std::memcpy(cd + (r * g * n + i * n) * es, rs + r * n * es, n * es);
    }
    ir::Value* w_v = graph.add_constant(graph.make_unique_name(first->name() + "/qkv_weights"),
                                        std::move(w));
    ir::Value* c_v = any_term ? graph.add_constant(
                                    graph.make_unique_name(first->name() + "/qkv_addend"),
                                    std::move(c))
                              : nullptr;
    ir::Value* out = graph.add_value(graph.make_unique_name(first->name() + "/qkv"));
    out->set_dtype(first->output(0)->dtype());
    out->set_shape({m, g * n});
    std::vector<ir::Value*> inputs{first->inputs()[0], w_v};
    if (c_v) inputs.push_back(c_v);
    ir::Node* mm = graph.add_node(graph.make_unique_name(first->name() + "_qkv"), kCudaMatMul,
                                  inputs, {out}, runtime::kFusedDomain);
    mm->set_attribute("trans_b", ir::Attribute::from_int(trans_b ? 1 : 0));
    mm->set_attribute("alpha", ir::Attribute::from_float(first->attr_float("alpha", 1.0f).value()));
    mm->set_attribute("relu", ir::Attribute::from_int(0));
    // The attention reads [S, G H, D] with each input's heads at its own offset.
    ir::Value* shape = graph.add_constant(
        graph.make_unique_name(first->name() + "/qkv_shape"),
        Tensor::from_vector(DataType::kInt64, {3}, std::vector<int64_t>{m, g * heads, d}));
    ir::Value* view = graph.add_value(graph.make_unique_name(first->name() + "/qkv_heads"));
    view->set_dtype(out->dtype());
    view->set_shape({m, g * heads, d});
    ir::Node* r = graph.add_node(graph.make_unique_name(first->name() + "/qkv_view"), "Reshape",
                                 {out, shape}, {view});
    out->set_producer(mm);
    view->set_producer(r);
    std::vector<int64_t> offsets{0, 0, 0};
    for (int64_t i = 0; i < g; ++i) {
      attn->inputs()[group[i].slot] = view;
      offsets[group[i].slot] = i * heads;
      for (ir::Node* v : group[i].views) rw.remove(v);
      rw.remove(group[i].gemm);
    }
    attn->set_attribute("head_offsets", ir::Attribute::from_ints(offsets));
    removed += static_cast<int>(g) - 1;
    rw.refresh();
  }
  graph.compact();
  RETURN_IF_ERROR(graph.topological_sort());
  return removed;
}

}  // namespace actrt::cuda
