#include "backends/cuda/copy_fusion.h"

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/kernels.h"
#include "runtime/plan.h"
#include "ops/movement_params.h"
#include "ops/op_traits.h"
#include "passes/graph_rewriter.h"

namespace actrt::cuda {

namespace {

// Elements of a buffer seen as a tensor: element i (multi-index) at offset + sum i_k * strides_k.
struct View {
  int64_t offset = 0;
  std::vector<int64_t> shape, strides;
};

View identity(const Shape& s) {
  View v;
  v.shape = s;
  v.strides.assign(s.size(), 1);
  for (int64_t i = int64_t(s.size()) - 2; i >= 0; --i) v.strides[i] = v.strides[i + 1] * s[i + 1];
  return v;
}

View transpose(const View& v, const std::vector<int64_t>& perm) {
  View out;
  out.offset = v.offset;
  for (int64_t p : perm) {
    out.shape.push_back(v.shape[p]);
    out.strides.push_back(v.strides[p]);
  }
  return out;
}

std::vector<int64_t> inverse(const std::vector<int64_t>& perm) {
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[perm[i]] = int64_t(i);
  return inv;
}

// The same elements in row-major order under another shape, when strides can say so (numpy's
// no-copy reshape): dimensions of size 1 are dropped, then old and new dimensions are matched in
// groups of equal product; a group of several old dimensions must be contiguous among itself.
std::optional<View> reshape(const View& v, const Shape& to) {
  if (shape_numel(v.shape) != shape_numel(to)) return std::nullopt;
  std::vector<int64_t> os, ost;
  for (size_t i = 0; i < v.shape.size(); ++i)
    if (v.shape[i] != 1) {
      os.push_back(v.shape[i]);
      ost.push_back(v.strides[i]);
    }
  View out;
  out.offset = v.offset;
  out.shape = to;
  out.strides.assign(to.size(), 0);
  size_t oi = 0, ni = 0;
  while (ni < to.size() && to[ni] == 1) out.strides[ni++] = 0;
  while (oi < os.size() || ni < to.size()) {
    if (oi >= os.size() || ni >= to.size()) return std::nullopt;
    // One group: old dims [oi, oj), new dims [ni, nj) with equal products.
    size_t oj = oi + 1, nj = ni + 1;
    int64_t op = os[oi], np = to[ni];
    while (op != np) {
      if (op < np) {
        if (oj >= os.size()) return std::nullopt;
        op *= os[oj++];
      } else {
        if (nj >= to.size()) return std::nullopt;
        np *= to[nj++];
      }
    }
    for (size_t k = oi; k + 1 < oj; ++k)
      if (ost[k] != ost[k + 1] * os[k + 1]) return std::nullopt;
    // Strides of the new dims: row-major inside the group, ending at the group's innermost stride.
    int64_t stride = ost[oj - 1];
    for (size_t k = nj; k-- > ni;) {
      out.strides[k] = stride;
      stride *= to[k];
    }
    oi = oj;
    ni = nj;
    while (ni < to.size() && to[ni] == 1 && oi >= os.size()) out.strides[ni++] = 0;
  }
  return out;
}

bool is_plain(const ir::Node* n, const char* op) {
  return n && n->domain().empty() && n->op_type() == op;
}

bool is_reshape_like(const ir::Node* n) { return n && ops::is_reshape(*n); }

std::vector<int64_t> transpose_perm(const ir::Node* n) {
  const size_t rank = n->input(0)->shape().size();
  std::vector<int64_t> dflt(rank);
  for (size_t k = 0; k < rank; ++k) dflt[k] = int64_t(rank - 1 - k);
  auto p = n->attr_ints("perm", dflt);
  return p.ok() ? *p : std::vector<int64_t>{};
}

// `v` (a view of n's input) seen through movement op n, or nothing when n is not one whose
// result strides can describe.
std::optional<View> forward(const ir::Node* n, const View& v) {
  if (is_reshape_like(n)) return reshape(v, n->output(0)->shape());
  if (is_plain(n, "Transpose")) {
    auto perm = transpose_perm(n);
    if (perm.size() != v.shape.size()) return std::nullopt;
    return transpose(v, perm);
  }
  if (is_plain(n, "Slice")) {
    for (size_t k = 1; k < n->inputs().size(); ++k)
      if (n->input(k) && !n->input(k)->is_constant()) return std::nullopt;
    auto c = [&](size_t k) { return n->input(k) ? &n->input(k)->constant() : nullptr; };
    if (!c(1) || !c(2)) return std::nullopt;
    auto sp = ops::resolve_slice(*n, n->input(0)->shape(), *c(1), *c(2), c(3), c(4));
    if (!sp.ok()) return std::nullopt;
    View out = v;
    for (size_t k = 0; k < v.shape.size(); ++k) {
      out.offset += sp->starts[k] * v.strides[k];
      out.strides[k] = v.strides[k] * sp->steps[k];
      out.shape[k] = sp->out[k];
    }
    return out;
  }
  return std::nullopt;
}

// The view of n's input inside the buffer that holds n's output as `out` (only for ops that
// keep every element: reshapes and transposes).
std::optional<View> backward(const ir::Node* n, const View& out) {
  if (is_reshape_like(n)) return reshape(out, n->input(0)->shape());
  if (is_plain(n, "Transpose")) {
    auto perm = transpose_perm(n);
    if (perm.size() != out.shape.size()) return std::nullopt;
    return transpose(out, inverse(perm));
  }
  return std::nullopt;
}

struct Piece {
  const ir::Value* source = nullptr;
  View src, dst;
};

class Collector {
 public:
  explicit Collector(passes::GraphRewriter& rw) : rw_(rw) {}

  // Pieces of Concat `c` whose output lies at `dst` in the final buffer.
  bool concat(ir::Node* c, const View& dst) {
    auto axis = c->attr_int("axis", 0);
    if (!axis.ok()) return false;
    const int64_t a = *axis < 0 ? *axis + int64_t(dst.shape.size()) : *axis;
    if (a < 0 || a >= int64_t(dst.shape.size())) return false;
    int64_t offset = 0;
    absorbed.push_back(c);
    for (ir::Value* in : c->inputs()) {
      if (!in || !in->has_shape()) return false;
      View d = dst;
      d.offset += offset * dst.strides[a];
      d.shape[a] = in->shape()[a];
      offset += in->shape()[a];
      if (shape_numel(in->shape()) == 0) continue;
      if (!input(in, d)) return false;
    }
    return true;
  }

  std::vector<Piece> pieces;
  std::vector<ir::Node*> absorbed;  // nodes whose outputs only this copy reads
  std::vector<ir::Node*> read_through;  // movement ops read through; removed if unread after

 private:
  bool exclusive(const ir::Value* v) const {
    return rw_.readers(v) == 1 && !rw_.graph().is_graph_output(v);
  }

  // Value `v` at `dst`: first the write side (reshapes / transposes back to an inner Concat,
  // which then writes straight into this buffer), else the read side (movement ops back to a
  // source read through composed strides).
  bool input(ir::Value* v, const View& dst) {
    {
      View d = dst;
      ir::Value* cur = v;
      std::vector<ir::Node*> ops;
      while (exclusive(cur)) {
        ir::Node* p = rw_.producer(cur);
        if (is_plain(p, "Concat")) {
          absorbed.insert(absorbed.end(), ops.begin(), ops.end());
          return concat(p, d);
        }
        if (!p || !(is_reshape_like(p) || is_plain(p, "Transpose"))) break;
        auto back = backward(p, d);
        if (!back) break;
        d = *back;
        ops.push_back(p);
        cur = p->input(0);
      }
    }
    std::vector<ir::Node*> chain;  // chain[0] produces v, chain.back() reads the source
    for (ir::Value* cur = v;;) {
      ir::Node* p = rw_.producer(cur);
      if (!p || !(is_reshape_like(p) || is_plain(p, "Transpose") || is_plain(p, "Slice"))) break;
      if (rw_.graph().is_graph_output(cur)) break;
      chain.push_back(p);
      cur = p->input(0);
    }
    // The longest chain whose views compose from its source up to v.
    for (size_t len = chain.size();; --len) {
      const ir::Value* source = len == 0 ? v : chain[len - 1]->input(0);
      View s = identity(source->shape());
      bool ok = true;
      for (size_t k = len; ok && k-- > 0;) {
        auto next = forward(chain[k], s);
        ok = next.has_value();
        if (ok) s = *next;
      }
      if (!ok) continue;
      read_through.insert(read_through.end(), chain.begin(), chain.begin() + len);
      pieces.push_back(Piece{source, s, dst});
      return true;
    }
  }

  passes::GraphRewriter& rw_;
};

}  // namespace

Result<int> fold_copy_chains(ir::Graph& graph) {
  passes::GraphRewriter rw(graph);
  int removed = 0;
  // Outermost Concats first (reverse topological order): inner ones are absorbed by them.
  std::vector<ir::Node*> nodes = rw.live_nodes();
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    ir::Node* c = *it;
    if (rw.removed(c) || !is_plain(c, "Concat")) continue;
    ir::Value* y = c->output(0);
    if (!y->has_shape() || y->shape().size() > size_t(kMaxRank)) continue;
    Collector col(rw);
    if (!col.concat(c, identity(y->shape()))) continue;
    // Worth it only when something besides the Concat itself disappears.
    if (col.absorbed.size() + col.read_through.size() < 2) continue;
    bool fits = true;
    for (const Piece& p : col.pieces)
      fits &= p.src.shape.size() <= size_t(kMaxRank) && p.dst.shape == p.src.shape &&
              p.source->dtype() == y->dtype();
    if (!fits) continue;
    std::vector<ir::Value*> sources;
    std::vector<int64_t> rec;
    for (const Piece& p : col.pieces) {
      auto f = std::find(sources.begin(), sources.end(), p.source);
      if (f == sources.end()) sources.push_back(const_cast<ir::Value*>(p.source));
      const int64_t index = std::find(sources.begin(), sources.end(), p.source) - sources.begin();
      rec.push_back(index);
      rec.push_back(int64_t(p.src.shape.size()));
      rec.insert(rec.end(), p.src.shape.begin(), p.src.shape.end());
      rec.push_back(p.src.offset);
      rec.insert(rec.end(), p.src.strides.begin(), p.src.strides.end());
      rec.push_back(p.dst.offset);
      rec.insert(rec.end(), p.dst.strides.begin(), p.dst.strides.end());
    }
    ir::Node* fused = graph.add_node(c->name(), kCudaCopy, sources, {y}, runtime::kFusedDomain);
    fused->set_attribute("pieces", ir::Attribute::from_ints(rec));
    const size_t before = rw.live_nodes().size();
    for (ir::Node* n : col.absorbed) rw.remove(n);
    y->set_producer(fused);
    rw.refresh();
    // Movement ops read through stay only while something else still reads them.
    for (bool again = true; again;) {
      again = false;
      for (ir::Node* n : col.read_through)
        if (!rw.removed(n) && rw.readers(n->output(0)) == 0) {
          rw.remove(n);
          rw.refresh();
          again = true;
        }
    }
    removed += int(before) - int(rw.live_nodes().size()) - 1;  // the CudaCopy is new
  }
  graph.compact();
  RETURN_IF_ERROR(graph.topological_sort());
  return removed;
}

}  // namespace actrt::cuda
