#include "passes/simplify_gather_of_concat.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "passes/pass_util.h"

namespace actrt::passes {

namespace {
using detail::is_op;

// A Concat along a normalized axis, with the extent of each input along it.
struct ConcatInfo {
  ir::Node* node = nullptr;
  int64_t axis = 0;
  std::vector<int64_t> offsets;  // start of input k along axis
  std::vector<int64_t> sizes;    // extent of input k along axis
  int64_t total = 0;
};

std::optional<ConcatInfo> concat_of(const ir::Value* v) {
  ir::Node* n = v ? v->producer() : nullptr;
  if (!is_op(n, "Concat") || !v->has_shape()) return std::nullopt;
  int64_t rank = static_cast<int64_t>(v->shape().size());
  auto axis_attr = n->attr_int("axis", 0);
  if (!axis_attr.ok()) return std::nullopt;
  auto axis = detail::normalize_axis(*axis_attr, rank);
  if (!axis) return std::nullopt;
  ConcatInfo info;
  info.node = n;
  info.axis = *axis;
  for (const ir::Value* in : n->inputs()) {
    if (!in || !in->has_shape() || static_cast<int64_t>(in->shape().size()) != rank)
      return std::nullopt;
    info.offsets.push_back(info.total);
    info.sizes.push_back(in->shape()[*axis]);
    info.total += in->shape()[*axis];
  }
  if (info.total != v->shape()[*axis]) return std::nullopt;
  return info;
}

// The part k holding [begin, end) along the concat axis, or nullopt when it spans parts.
std::optional<size_t> part_holding(const ConcatInfo& c, int64_t begin, int64_t end) {
  for (size_t k = 0; k < c.sizes.size(); ++k)
    if (begin >= c.offsets[k] && end <= c.offsets[k] + c.sizes[k] && c.sizes[k] > 0) return k;
  return std::nullopt;
}

// The input of `v`'s producer when it is Unsqueeze(y, axes=[axis]) (rank of v = rank of y + 1).
ir::Value* unsqueezed_from(const ir::Value* v, int64_t axis) {
  ir::Node* n = v->producer();
  if (!is_op(n, "Unsqueeze") || !v->has_shape()) return nullptr;
  auto axes = detail::axes_of(*n, 1);
  if (!axes || axes->size() != 1) return nullptr;
  auto a = detail::normalize_axis((*axes)[0], static_cast<int64_t>(v->shape().size()));
  return a && *a == axis ? n->input(0) : nullptr;
}

std::vector<int64_t> transpose_perm(const ir::Node& t, int64_t rank) {
  auto perm = t.attr_ints("perm", {});
  if (!perm.ok() || perm->empty()) {
    std::vector<int64_t> p(static_cast<size_t>(rank));
    std::iota(p.rbegin(), p.rend(), 0);  // default: reverse the dimensions
    return p;
  }
  return *perm;
}

class Simplifier {
 public:
  explicit Simplifier(ir::Graph& g) : g_(g) {}

  // One rewrite at most, so that the use lists the caller rebuilt stay exact.
  Result<bool> try_node(ir::Node* n, const detail::Uses& uses) {
    uses_ = &uses;
    if (n->outputs().empty() || !n->output(0) || n->output(0)->is_constant()) return false;
    if (is_op(n, "Gather")) return try_gather(n);
    if (is_op(n, "Slice")) return try_slice(n);
    if (is_op(n, "Split")) return try_split(n);
    return false;
  }

 private:
  // Replaces node n (single output) by existing value `repl`.
  bool replace_by_value(ir::Node* n, ir::Value* repl) {
    ir::Value* out = n->output(0);
    if (!detail::can_substitute(g_, out, repl)) return false;
    g_.remove_node(n);
    return detail::substitute_value(g_, out, repl);
  }

  // Adds a node that computes n's (single) output in its place.
  ir::Node* replace_by_node(ir::Node* n, const std::string& op, std::vector<ir::Value*> inputs) {
    ir::Value* out = n->output(0);
    g_.remove_node(n);
    ir::Node* m = g_.add_node(g_.make_unique_name(n->name() + "_part"), op, std::move(inputs), {});
    m->outputs().push_back(nullptr);
    detail::produce_into(m, 0, out);
    return m;
  }

  ir::Value* i64(const std::string& hint, const std::vector<int64_t>& v) {
    return detail::add_i64_constant(g_, hint, v);
  }

  Result<bool> try_gather(ir::Node* n) {
    ir::Value* data = n->input(0);
    const Tensor* idx = detail::constant_of(n->input(1));
    if (!data || !idx || !data->has_shape()) return false;
    int64_t rank = static_cast<int64_t>(data->shape().size());
    auto axis_attr = n->attr_int("axis", 0);
    if (!axis_attr.ok()) return false;
    auto axis = detail::normalize_axis(*axis_attr, rank);
    if (!axis) return false;
    if (is_op(data->producer(), "Transpose")) return push_gather_below_transpose(n, *axis);

    auto c = concat_of(data);
    if (!c || c->axis != *axis) return false;
    std::vector<int64_t> indices = idx->to_int64_vector();
    if (indices.empty()) return false;
    for (int64_t& i : indices) {
      if (i < 0) i += c->total;
      if (i < 0 || i >= c->total) return false;  // out of range: leave the error to the kernel
    }
    auto [lo, hi] = std::minmax_element(indices.begin(), indices.end());
    auto k = part_holding(*c, *lo, *hi + 1);
    if (!k) return false;
    ir::Value* part = c->node->input(*k);
    int64_t off = c->offsets[*k];
    if (idx->rank() == 0) {
      if (ir::Value* y = unsqueezed_from(part, *axis)) return replace_by_value(n, y);
      if (c->sizes[*k] == 1) {
        if (g_.opset() >= 13) {
          replace_by_node(n, "Squeeze", {part, i64(n->name() + "_axes", {*axis})});
        } else {
          ir::Node* sq = replace_by_node(n, "Squeeze", {part});
          sq->set_attribute("axes", ir::Attribute::from_ints({*axis}));
        }
        return true;
      }
    } else if (idx->rank() == 1 && static_cast<int64_t>(indices.size()) == c->sizes[*k]) {
      bool whole = true;
      for (size_t i = 0; i < indices.size(); ++i) whole &= indices[i] == off + int64_t(i);
      if (whole && replace_by_value(n, part)) return true;
    }
    std::vector<int64_t> local = indices;
    for (int64_t& i : local) i -= off;
    ir::Value* local_idx = g_.add_constant(
        n->name() + "_indices", Tensor::from_vector(DataType::kInt64, idx->shape(), local));
    ir::Node* m = replace_by_node(n, "Gather", {part, local_idx});
    m->set_attribute("axis", ir::Attribute::from_int(*axis));
    return true;
  }

  // Gather(Transpose(X, perm), idx, axis=a) == Transpose(Gather(X, idx, axis=perm[a]), perm').
  Result<bool> push_gather_below_transpose(ir::Node* n, int64_t a) {
    ir::Value* t_out = n->input(0);
    ir::Node* t = t_out->producer();
    ir::Value* x = t->input(0);
    if (!detail::has_single_consumer(g_, *uses_, t_out) || !x || !concat_of(x)) return false;
    ir::Value* out = n->output(0);
    if (!out->has_shape() || !x->has_shape()) return false;
    int64_t rank = static_cast<int64_t>(x->shape().size());
    std::vector<int64_t> perm = transpose_perm(*t, rank);
    if (static_cast<int64_t>(perm.size()) != rank) return false;
    int64_t c = perm[static_cast<size_t>(a)];
    int64_t q = n->input(1)->constant().rank();
    // Where dimension d of X lands in the inner Gather's output.
    auto pos = [&](int64_t d) { return d < c ? d : d + q - 1; };
    std::vector<int64_t> new_perm;
    for (int64_t j = 0; j < a; ++j) new_perm.push_back(pos(perm[size_t(j)]));
    for (int64_t j = 0; j < q; ++j) new_perm.push_back(c + j);
    for (int64_t j = a + 1; j < rank; ++j) new_perm.push_back(pos(perm[size_t(j)]));
    // The inner Gather's output shape: out's dims, un-permuted.
    Shape inner(out->shape().size());
    for (size_t j = 0; j < new_perm.size(); ++j) inner[size_t(new_perm[j])] = out->shape()[j];

    ir::Value* g_out = detail::add_computed_value(g_, n->name() + "_pre", out->dtype(), inner);
    ir::Value* idx = n->input(1);
    g_.remove_node(n);
    ir::Node* gather = g_.add_node(g_.make_unique_name(n->name() + "_pre"), "Gather", {x, idx},
                                   {g_out});
    gather->set_attribute("axis", ir::Attribute::from_int(c));
    ir::Node* tr = g_.add_node(g_.make_unique_name(t->name() + "_post"), "Transpose", {g_out}, {});
    tr->outputs().push_back(nullptr);
    detail::produce_into(tr, 0, out);
    tr->set_attribute("perm", ir::Attribute::from_ints(new_perm));
    return true;
  }

  // Slice parameters, normalized against the data shape; nullopt when not all constant.
  struct SliceParams {
    std::vector<int64_t> starts, ends, axes, steps;
  };
  std::optional<SliceParams> slice_params(const ir::Node& n, int64_t rank) {
    if (n.has_attribute("starts")) return std::nullopt;  // opset < 10 form: not handled
    const Tensor* s = detail::constant_of(n.input(1));
    const Tensor* e = detail::constant_of(n.input(2));
    if (!s || !e) return std::nullopt;
    SliceParams p;
    p.starts = s->to_int64_vector();
    p.ends = e->to_int64_vector();
    if (p.starts.size() != p.ends.size()) return std::nullopt;
    if (n.input(3)) {
      const Tensor* a = detail::constant_of(n.input(3));
      if (!a) return std::nullopt;
      p.axes = a->to_int64_vector();
    } else {
      p.axes.resize(p.starts.size());
      std::iota(p.axes.begin(), p.axes.end(), 0);
    }
    if (n.input(4)) {
      const Tensor* st = detail::constant_of(n.input(4));
      if (!st) return std::nullopt;
      p.steps = st->to_int64_vector();
    } else {
      p.steps.assign(p.starts.size(), 1);
    }
    if (p.axes.size() != p.starts.size() || p.steps.size() != p.starts.size())
      return std::nullopt;
    for (int64_t& ax : p.axes) {
      auto a = detail::normalize_axis(ax, rank);
      if (!a) return std::nullopt;
      ax = *a;
    }
    return p;
  }

  // [begin, end) selected along a dimension of size dim with step 1 (ONNX clamping rules).
  static std::pair<int64_t, int64_t> clamp_range(int64_t start, int64_t end, int64_t dim) {
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    return {start, end};
  }

  Result<bool> try_slice(ir::Node* n) {
    ir::Value* data = n->input(0);
    if (!data || !data->has_shape()) return false;
    int64_t rank = static_cast<int64_t>(data->shape().size());
    auto p = slice_params(*n, rank);
    if (!p) return false;
    if (is_op(data->producer(), "Transpose")) return push_slice_below_transpose(n, *p);
    auto c = concat_of(data);
    if (!c) return false;
    auto it = std::find(p->axes.begin(), p->axes.end(), c->axis);
    if (it == p->axes.end()) return false;  // not selecting along the concat axis
    size_t i = static_cast<size_t>(it - p->axes.begin());
    if (p->steps[i] != 1) return false;
    auto [begin, end] = clamp_range(p->starts[i], p->ends[i], c->total);
    if (end <= begin) return false;
    auto k = part_holding(*c, begin, end);
    if (!k) return false;
    ir::Value* part = c->node->input(*k);
    int64_t off = c->offsets[*k];

    bool other_axes_full = true;
    for (size_t j = 0; j < p->axes.size(); ++j) {
      if (j == i) continue;
      int64_t dim = data->shape()[size_t(p->axes[j])];
      auto [b, e] = clamp_range(p->starts[j], p->ends[j], dim);
      other_axes_full &= p->steps[j] == 1 && b == 0 && e == dim;
    }
    if (other_axes_full && begin == off && end == off + c->sizes[*k] &&
        replace_by_value(n, part))
      return true;
    std::vector<int64_t> starts = p->starts, ends = p->ends;
    starts[i] = begin - off;
    ends[i] = end - off;
    replace_by_node(n, "Slice",
                    {part, i64(n->name() + "_starts", starts), i64(n->name() + "_ends", ends),
                     i64(n->name() + "_axes", p->axes), i64(n->name() + "_steps", p->steps)});
    return true;
  }

  // Slice(Transpose(X, perm), axes) == Transpose(Slice(X, perm[axes]), perm).
  Result<bool> push_slice_below_transpose(ir::Node* n, const SliceParams& p) {
    ir::Value* t_out = n->input(0);
    ir::Node* t = t_out->producer();
    ir::Value* x = t->input(0);
    if (!detail::has_single_consumer(g_, *uses_, t_out) || !x || !concat_of(x)) return false;
    ir::Value* out = n->output(0);
    if (!out->has_shape() || !x->has_shape()) return false;
    int64_t rank = static_cast<int64_t>(x->shape().size());
    std::vector<int64_t> perm = transpose_perm(*t, rank);
    if (static_cast<int64_t>(perm.size()) != rank) return false;
    std::vector<int64_t> axes;
    for (int64_t a : p.axes) axes.push_back(perm[size_t(a)]);
    Shape inner(static_cast<size_t>(rank), 0);
    for (size_t j = 0; j < perm.size(); ++j) inner[size_t(perm[j])] = out->shape()[j];

    ir::Value* s_out = detail::add_computed_value(g_, n->name() + "_pre", out->dtype(), inner);
    g_.remove_node(n);
    g_.add_node(g_.make_unique_name(n->name() + "_pre"), "Slice",
                {x, i64(n->name() + "_starts", p.starts), i64(n->name() + "_ends", p.ends),
                 i64(n->name() + "_axes", axes), i64(n->name() + "_steps", p.steps)},
                {s_out});
    ir::Node* tr = g_.add_node(g_.make_unique_name(t->name() + "_post"), "Transpose", {s_out}, {});
    tr->outputs().push_back(nullptr);
    detail::produce_into(tr, 0, out);
    tr->set_attribute("perm", ir::Attribute::from_ints(perm));
    return true;
  }

  Result<bool> try_split(ir::Node* n) {
    ir::Value* data = n->input(0);
    auto c = concat_of(data);
    if (!c) return false;
    auto axis_attr = n->attr_int("axis", 0);
    if (!axis_attr.ok()) return false;
    auto axis = detail::normalize_axis(*axis_attr, int64_t(data->shape().size()));
    if (!axis || *axis != c->axis) return false;
    // Sizes of the outputs along the axis: the `split` input or attribute, else equal parts
    // (opset 18 num_outputs: ceil(total / n), the last one smaller).
    std::vector<int64_t> sizes;
    size_t n_out = n->outputs().size();
    if (n->input(1)) {
      const Tensor* s = detail::constant_of(n->input(1));
      if (!s) return false;
      sizes = s->to_int64_vector();
    } else if (n->has_attribute("split")) {
      auto s = n->attr_ints("split", {});
      if (!s.ok()) return false;
      sizes = *s;
    } else {
      int64_t chunk = (c->total + int64_t(n_out) - 1) / int64_t(n_out);
      for (size_t j = 0; j < n_out; ++j)
        sizes.push_back(std::min(chunk, c->total - chunk * int64_t(j)));
    }
    if (sizes.size() != n_out) return false;
    bool changed = false;
    int64_t begin = 0;
    for (size_t j = 0; j < n_out; ++j) {
      int64_t end = begin + sizes[j];
      ir::Value* out = n->output(j);
      auto k = part_holding(*c, begin, end);
      int64_t b = begin;
      begin = end;
      if (!out || !k || end <= b) continue;
      bool read = g_.is_graph_output(out) || !detail::consumers(*uses_, out).empty();
      if (!read) continue;
      ir::Value* part = c->node->input(*k);
      int64_t off = c->offsets[*k];
      if (b == off && end == off + c->sizes[*k] && detail::can_substitute(g_, out, part)) {
        // The Split keeps a fresh, unread output in this slot.
        ir::Value* dead = detail::add_computed_value(g_, out->name() + "_unused", out->dtype(),
                                                     out->shape());
        detail::produce_into(n, j, dead);
        detail::substitute_value(g_, out, part);
      } else {
        ir::Value* dead = detail::add_computed_value(g_, out->name() + "_unused", out->dtype(),
                                                     out->shape());
        detail::produce_into(n, j, dead);
        ir::Node* s = g_.add_node(
            g_.make_unique_name(n->name() + "_part"), "Slice",
            {part, i64(n->name() + "_starts", {b - off}), i64(n->name() + "_ends", {end - off}),
             i64(n->name() + "_axes", {c->axis})},
            {});
        s->outputs().push_back(nullptr);
        detail::produce_into(s, 0, out);
      }
      changed = true;
    }
    return changed;
  }

  ir::Graph& g_;
  const detail::Uses* uses_ = nullptr;
};
}  // namespace

Result<PassReport> simplify_gather_of_concat(ir::Graph& graph) {
  size_t before = detail::begin_pass(graph);
  Simplifier s(graph);
  int rewrites = 0;
  // A rewrite can expose another (a Gather pushed below a Transpose now reads the Concat), and
  // use lists go stale after each rewrite: rescan until nothing changes.
  for (bool changed = true; changed;) {
    changed = false;
    std::vector<ir::Node*> nodes;
    for (const auto& n : graph.nodes()) nodes.push_back(n.get());
    detail::Uses uses = graph.build_uses();
    for (ir::Node* n : nodes) {
      ASSIGN_OR_RETURN(bool done, s.try_node(n, uses));
      if (!done) continue;
      ++rewrites;
      changed = true;
      break;
    }
    graph.compact();
  }
  return detail::finish_pass(graph, before, rewrites);
}

}  // namespace actrt::passes
