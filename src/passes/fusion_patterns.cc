#include "passes/fusion_patterns.h"

#include "passes/pass_util.h"

namespace actrt::passes {

namespace {

using detail::is_op;

// The axis a Softmax normalizes, made non-negative (-100 when unreadable). Opset 13 changed the
// default from 1 to -1.
int64_t softmax_axis(const ir::Node* n, int64_t rank, int64_t opset) {
  auto a = n->attr_int("axis", opset >= 13 ? -1 : 1);
  if (!a.ok()) return -100;
  return a.value() < 0 ? a.value() + rank : a.value();
}

// v = Mul(x, c) / Mul(c, x) / Div(x, c) with c a scalar constant and v read only here: returns
// x and folds c into `scale`; else v.
ir::Value* strip_scale(GraphRewriter& rw, ir::Value* v, float& scale,
                       std::vector<ir::Node*>& nodes) {
  ir::Node* p = rw.producer(v);
  if (!p || rw.sole_reader(v) == nullptr) return v;
  if (is_op(p, "Mul")) {
    for (int i = 0; i < 2; ++i)
      if (auto c = scalar_constant(p->input(1 - i));
          c && f32_shaped(p->input(i)) && !p->input(i)->is_constant() &&
          p->input(i)->shape() == v->shape()) {
        scale *= *c;
        nodes.push_back(p);
        return p->input(i);
      }
  } else if (is_op(p, "Div")) {
    if (auto c = scalar_constant(p->input(1));
        c && *c != 0.0f && f32_shaped(p->input(0)) && p->input(0)->shape() == v->shape()) {
      scale /= *c;
      nodes.push_back(p);
      return p->input(0);
    }
  }
  return v;
}

bool swaps_last_two(const std::vector<int64_t>& perm, int64_t rank) {
  if (int64_t(perm.size()) != rank) return false;
  for (int64_t i = 0; i < rank; ++i) {
    const int64_t want = i == rank - 1 ? rank - 2 : (i == rank - 2 ? rank - 1 : i);
    if (perm[i] != want) return false;
  }
  return true;
}

}  // namespace

std::optional<AttentionMatch> match_attention(GraphRewriter& rw, ir::Node* pv) {
  if (rw.removed(pv) || !is_op(pv, "MatMul")) return std::nullopt;
  AttentionMatch m;
  ir::Value* probs = pv->input(0);
  m.v = pv->input(1);
  ir::Node* sm = rw.producer(probs);
  if (!is_op(sm, "Softmax") || !rw.sole_reader(probs) || !f32_shaped(probs) ||
      !f32_shaped(m.v) || !f32_shaped(pv->output(0)))
    return std::nullopt;
  const int64_t rank = static_cast<int64_t>(probs->shape().size());
  const int64_t opset = rw.graph().opset();
  if (rank < 2 || softmax_axis(sm, rank, opset) != rank - 1) return std::nullopt;
  if (opset < 13 && rank != 2) return std::nullopt;  // old Softmax coerces to 2-D: other semantics
  m.nodes = {pv, sm};
  ir::Value* scores = strip_scale(rw, sm->input(0), m.scale, m.nodes);
  m.qk = rw.producer(scores);
  if (!is_op(m.qk, "MatMul") || !rw.sole_reader(scores)) return std::nullopt;
  m.nodes.push_back(m.qk);
  m.q = strip_scale(rw, m.qk->input(0), m.scale, m.nodes);
  ir::Value* kt = m.qk->input(1);
  if (!f32_shaped(m.q) || !f32_shaped(kt) || kt->is_constant() ||
      static_cast<int64_t>(m.q->shape().size()) != rank ||
      static_cast<int64_t>(kt->shape().size()) != rank ||
      static_cast<int64_t>(m.v->shape().size()) != rank)
    return std::nullopt;
  m.k = kt;
  ir::Node* tr = rw.producer(kt);
  if (is_op(tr, "Transpose") && f32_shaped(tr->input(0))) {
    auto perm = tr->attr_ints("perm", {});
    if (perm.ok() && swaps_last_two(*perm, rank)) {
      m.k = tr->input(0);
      m.k_transposed = false;
      if (rw.sole_reader(kt)) m.nodes.push_back(tr);
    }
  }
  const Shape &qs = m.q->shape(), &ks = kt->shape(), &vs = m.v->shape();
  bool ok = ks[rank - 2] == qs[rank - 1] && vs[rank - 2] == ks[rank - 1];
  for (int64_t i = 0; ok && i + 2 < rank; ++i) ok = qs[i] == ks[i] && qs[i] == vs[i];
  if (!ok) return std::nullopt;
  m.out = pv->output(0);
  return m;
}

int fuse_attention_as(GraphRewriter& rw, const char* op_type, const std::string& domain) {
  int count = 0;
  for (ir::Node* pv : rw.live_nodes()) {
    auto m = match_attention(rw, pv);
    if (!m) continue;
    ir::Node* fused =
        rw.graph().add_node(m->qk->name(), op_type, {m->q, m->k, m->v}, {m->out}, domain);
    fused->set_attribute("scale", ir::Attribute::from_float(m->scale));
    fused->set_attribute("k_transposed", ir::Attribute::from_int(m->k_transposed ? 1 : 0));
    for (ir::Node* d : m->nodes) rw.remove(d);
    m->out->set_producer(fused);
    rw.refresh();
    ++count;
  }
  return count;
}

EpilogueMatch match_residual_relu(GraphRewriter& rw, ir::Value* out) {
  EpilogueMatch m;
  m.out = out;
  ir::Node* next = rw.sole_reader(out);
  if (is_op(next, "Add")) {
    ir::Value* other = next->input(0) == out ? next->input(1) : next->input(0);
    if (f32_shaped(other) && !other->is_constant() && other != out &&
        other->shape() == out->shape() && next->output(0)->shape() == out->shape()) {
      m.residual = other;
      m.nodes.push_back(next);
      m.out = next->output(0);
      next = rw.sole_reader(m.out);
    }
  }
  if (is_op(next, "Relu")) {
    m.relu = true;
    m.nodes.push_back(next);
    m.out = next->output(0);
  }
  return m;
}

ir::Node* new_elementwise_chain(GraphRewriter& rw, const std::string& name, const char* op_type,
                                const std::string& domain, ir::Value* x, ir::Value* out) {
  ir::Node* chain = rw.graph().add_node(name, op_type, {x}, {out}, domain);
  chain->set_attribute("ops", ir::Attribute::from_ints({}));
  chain->set_attribute("operand", ir::Attribute::from_ints({}));
  chain->set_attribute("reversed", ir::Attribute::from_ints({}));
  return chain;
}

void append_to_elementwise_chain(GraphRewriter& rw, ir::Node* chain, ir::Node* n, int64_t op,
                                 ir::Value* operand, bool reversed, ir::Value* out) {
  int64_t operand_index = -1;
  if (operand) {
    for (size_t i = 1; i < chain->inputs().size(); ++i)
      if (chain->inputs()[i] == operand) operand_index = static_cast<int64_t>(i);
    if (operand_index < 0) {
      chain->inputs().push_back(operand);
      operand_index = static_cast<int64_t>(chain->inputs().size()) - 1;
    }
  }
  auto& attrs = chain->attributes();
  attrs["ops"].ints.push_back(op);
  attrs["operand"].ints.push_back(operand_index);
  attrs["reversed"].ints.push_back(reversed ? 1 : 0);
  chain->outputs()[0] = out;
  rw.remove(n);
  out->set_producer(chain);
  rw.refresh();
}

}  // namespace actrt::passes
