#include "backends/cuda/attention_layout.h"

#include <vector>

#include "backends/cuda/cuda_ops.h"
#include "engine/plan.h"
#include "passes/graph_rewriter.h"

namespace actrt::cuda {

namespace {

constexpr int64_t kHeadMajor = 0;
constexpr int64_t kSeqMajor = 1;

std::vector<int64_t> layouts_of(const ir::Node& n) {
  auto l = n.attr_ints("layouts", {0, 0, 0, 0});
  if (!l.ok() || l->size() != 4) return {-1, -1, -1, -1};
  return *l;
}

// A Transpose with exactly this permutation, else nullptr.
ir::Node* transpose_with(ir::Node* n, const std::vector<int64_t>& perm) {
  if (!n || !n->domain().empty() || n->op_type() != "Transpose") return nullptr;
  auto p = n->attr_ints("perm", {});
  return p.ok() && *p == perm ? n : nullptr;
}

}  // namespace

Result<AttentionGeometry> attention_geometry(const ir::Node& n) {
  const std::string where = "CudaAttention '" + n.name() + "'";
  const std::vector<int64_t> lay = layouts_of(n);
  for (int64_t l : lay)
    if (l != kHeadMajor && l != kSeqMajor)
      return invalid_argument(where + ": attribute layouts must be 4 values of 0 or 1");
  AttentionGeometry g;
  g.k_transposed = n.attr_int("k_transposed", 0).value() != 0;
  if (g.k_transposed && lay[1] != kHeadMajor)
    return invalid_argument(where + ": a transposed K must be head-major");
  const Shape& qs = n.input(0)->shape();
  const Shape& ks = n.input(1)->shape();
  const Shape& vs = n.input(2)->shape();
  const Shape& os = n.output(0)->shape();
  if (qs.size() < 2 || ks.size() < 2 || vs.size() < 2 || os.size() < 2)
    return invalid_argument(where + ": Q, K, V and O need rank >= 2");
  g.d = qs.back();
  g.dv = vs.back();
  // Rows of one head and the strides between heads and rows, per layout.
  auto head_major = [](const Shape& s, int64_t rows, int64_t width, int64_t& head, int64_t& row) {
    head = rows * width;
    row = width;
    (void)s;
  };
  auto seq_major = [](const Shape& s, int64_t& head, int64_t& row) {
    head = s.back();
    row = s[1] * s.back();
  };
  auto& st = g.strides;
  if (lay[0] == kSeqMajor) {
    if (qs.size() != 3) return invalid_argument(where + ": sequence-major Q must be [S, H, D]");
    g.sq = qs[0];
    g.batch = qs[1];
    seq_major(qs, st.q_head, st.q_row);
  } else {
    g.sq = qs[qs.size() - 2];
    g.batch = shape_numel(qs) / (g.sq * g.d);
    head_major(qs, g.sq, g.d, st.q_head, st.q_row);
  }
  if (lay[1] == kSeqMajor) {
    if (ks.size() != 3) return invalid_argument(where + ": sequence-major K must be [S, H, D]");
    g.sk = ks[0];
    seq_major(ks, st.k_head, st.k_row);
  } else {
    g.sk = g.k_transposed ? ks.back() : ks[ks.size() - 2];
    head_major(ks, g.sk, g.d, st.k_head, st.k_row);
  }
  if (lay[2] == kSeqMajor) {
    if (vs.size() != 3) return invalid_argument(where + ": sequence-major V must be [S, H, D]");
    seq_major(vs, st.v_head, st.v_row);
  } else {
    head_major(vs, g.sk, g.dv, st.v_head, st.v_row);
  }
  if (lay[3] == kSeqMajor) {
    if (os.size() != 3) return invalid_argument(where + ": sequence-major O must be [S, H, D]");
    seq_major(os, st.o_head, st.o_row);
  } else {
    head_major(os, g.sq, g.dv, st.o_head, st.o_row);
  }
  const int64_t kd = g.k_transposed ? ks[ks.size() - 2] : ks.back();
  if (kd != g.d || shape_numel(ks) != g.batch * g.sk * g.d ||
      shape_numel(vs) != g.batch * g.sk * g.dv || shape_numel(os) != g.batch * g.sq * g.dv)
    return invalid_argument(where + ": Q " + shape_to_string(qs) + ", K " + shape_to_string(ks) +
                            ", V " + shape_to_string(vs) + " and O " + shape_to_string(os) +
                            " do not describe one attention with head size " +
                            std::to_string(g.d));
  return g;
}

Result<int> fold_attention_layouts(ir::Graph& graph) {
  passes::GraphRewriter rw(graph);
  int removed = 0;
  for (ir::Node* n : rw.live_nodes()) {
    if (n->domain() != engine::kFusedDomain || n->op_type() != kCudaAttention) continue;
    const ir::Value* q = n->input(0);
    if (q->dtype() != DataType::kFloat16 || q->shape().back() != 64 ||
        n->input(2)->shape().back() != 64)
      continue;
    std::vector<int64_t> lay = layouts_of(*n);
    if (lay != std::vector<int64_t>{0, 0, 0, 0}) continue;
    bool k_transposed = n->attr_int("k_transposed", 0).value() != 0;
    std::vector<ir::Node*> dead;
    // Inputs: head-major [H, S, D] = Transpose(perm 1,0,2) of [S, H, D] (K transposed:
    // [H, D, S] = Transpose(perm 1,2,0) of [S, H, D]).
    for (size_t slot = 0; slot < 3; ++slot) {
      ir::Value* v = n->inputs()[slot];
      if (v->shape().size() != 3) continue;
      const bool kt = slot == 1 && k_transposed;
      ir::Node* tr = transpose_with(rw.producer(v), kt ? std::vector<int64_t>{1, 2, 0}
                                                       : std::vector<int64_t>{1, 0, 2});
      if (!tr || tr->input(0)->dtype() != v->dtype()) continue;
      n->inputs()[slot] = tr->input(0);
      lay[slot] = kSeqMajor;
      if (kt) k_transposed = false;
      if (rw.readers(v) == 1) dead.push_back(tr);
    }
    // Output: written sequence-major when only Transpose(perm 1,0,2) reads it.
    ir::Value* o = n->output(0);
    ir::Node* tr = o->shape().size() == 3
                       ? transpose_with(rw.sole_reader(o), std::vector<int64_t>{1, 0, 2})
                       : nullptr;
    if (tr) {
      ir::Value* t = tr->output(0);
      rw.remove(tr);
      n->outputs()[0] = t;
      t->set_producer(n);
      lay[3] = kSeqMajor;
      ++removed;
    }
    for (ir::Node* d : dead) {
      rw.remove(d);
      ++removed;
    }
    n->set_attribute("layouts", ir::Attribute::from_ints(lay));
    n->set_attribute("k_transposed", ir::Attribute::from_int(k_transposed ? 1 : 0));
    rw.refresh();
  }
  graph.compact();
  RETURN_IF_ERROR(graph.topological_sort());
  return removed;
}

}  // namespace actrt::cuda
