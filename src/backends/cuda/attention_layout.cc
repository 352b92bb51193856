#include "backends/cuda/attention_layout.h"

#include <algorithm>
#include <vector>

#include "backends/cuda/cuda_ops.h"
#include "runtime/plan.h"
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
  const std::vector<int64_t> head_offsets = n.attr_ints("head_offsets", {0, 0, 0}).value();
  if (head_offsets.size() != 3)
    return invalid_argument(where + ": attribute head_offsets must have 3 values");
  AttentionGeometry g;
  g.k_transposed = n.attr_int("k_transposed", 0).value() != 0;
  if (g.k_transposed && lay[1] != kHeadMajor)
    return invalid_argument(where + ": a transposed K must be head-major");
  const Shape* shapes[4] = {&n.input(0)->shape(), &n.input(1)->shape(), &n.input(2)->shape(),
                            &n.output(0)->shape()};
  for (int i = 0; i < 4; ++i) {
    if (shapes[i]->size() < 2) return invalid_argument(where + ": Q, K, V and O need rank >= 2");
    if (lay[i] == kSeqMajor && shapes[i]->size() != 3)
      return invalid_argument(where + ": sequence-major inputs and outputs must be [S, H, D]");
  }
  const Shape &qs = *shapes[0], &ks = *shapes[1], &vs = *shapes[2], &os = *shapes[3];
  g.d = qs.back();
  g.dv = vs.back();
  g.sq = lay[0] == kSeqMajor ? qs[0] : qs[qs.size() - 2];
  g.sk = lay[1] == kSeqMajor ? ks[0] : (g.k_transposed ? ks.back() : ks[ks.size() - 2]);
  // The head count comes from the output: a sequence-major input may hold more heads than this
  // attention reads (merged Q/K/V projections, qkv_merge.h).
  g.batch = lay[3] == kSeqMajor ? os[1] : shape_numel(os) / std::max<int64_t>(g.sq * g.dv, 1);
  // Per input: (head stride, row stride, first element) and whether its shape fits.
  auto place = [&](int i, int64_t rows, int64_t width, int64_t& head, int64_t& row,
                   int64_t& offset) -> bool {
    const Shape& s = *shapes[i];
    const int64_t first_head = i < 3 ? head_offsets[i] : 0;
    if (lay[i] == kSeqMajor) {
      head = s.back();
      row = s[1] * s.back();
      offset = first_head * s.back();
      return s[0] == rows && s.back() == width && first_head >= 0 && first_head + g.batch <= s[1];
    }
    head = rows * width;
    row = width;
    offset = 0;
    return first_head == 0 && shape_numel(s) == g.batch * rows * width;
  };
  auto& st = g.strides;
  int64_t o_offset = 0;
  const int64_t kd = g.k_transposed ? ks[ks.size() - 2] : ks.back();
  const bool ok = kd == g.d && place(0, g.sq, g.d, st.q_head, st.q_row, g.q_offset) &&
                  place(1, g.sk, g.d, st.k_head, st.k_row, g.k_offset) &&
                  place(2, g.sk, g.dv, st.v_head, st.v_row, g.v_offset) &&
                  place(3, g.sq, g.dv, st.o_head, st.o_row, o_offset);
  if (!ok)
    return invalid_argument(where + ": Q " + shape_to_string(qs) + ", K " + shape_to_string(ks) +
                            ", V " + shape_to_string(vs) + " and O " + shape_to_string(os) +
                            " do not describe one attention with head size " +
                            std::to_string(g.d) + " (layouts and head_offsets included)");
  return g;
}

Result<int> fold_attention_layouts(ir::Graph& graph) {
  passes::GraphRewriter rw(graph);
  int removed = 0;
  for (ir::Node* n : rw.live_nodes()) {
    if (n->domain() != runtime::kFusedDomain || n->op_type() != kCudaAttention) continue;
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
