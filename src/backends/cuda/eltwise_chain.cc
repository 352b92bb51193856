#include "backends/cuda/eltwise_chain.h"

#include <vector>

#include "backends/cuda/cuda_ops.h"
#include "runtime/plan.h"
#include "passes/graph_rewriter.h"

namespace actrt::cuda {

namespace {

bool is_chain(const ir::Node* n) {
  return n && n->domain() == runtime::kFusedDomain && n->op_type() == kCudaEltwise;
}

bool is_float(DataType t) { return t == DataType::kFloat32 || t == DataType::kFloat16; }

std::vector<int64_t> row_major_strides(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (int64_t i = int64_t(s.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * s[i + 1];
  return st;
}

// Strides (in `shape`'s index space) of an operand of shape `os` broadcast to `shape`.
std::vector<int64_t> broadcast_strides(const Shape& os, const Shape& shape) {
  const std::vector<int64_t> ostr = row_major_strides(os);
  std::vector<int64_t> st(shape.size(), 0);
  for (size_t k = 0; k < shape.size(); ++k) {
    const int64_t ok = int64_t(k) - (int64_t(shape.size()) - int64_t(os.size()));
    st[k] = (ok < 0 || os[ok] == 1) ? 0 : ostr[ok];
  }
  return st;
}

// True when every operand broadcasts to `a` and to `b` onto the same elements: the two shapes
// agree on the trailing dimensions the operands span.
bool same_broadcast(const ir::Node& chain, const Shape& a, const Shape& b) {
  size_t span = 0;
  for (size_t i = 1; i < chain.inputs().size(); ++i) {
    const Shape& os = chain.input(i)->shape();
    if (shape_numel(os) != 1) span = std::max(span, os.size());
  }
  if (span > a.size() || span > b.size()) return false;
  for (size_t k = 1; k <= span; ++k)
    if (a[a.size() - k] != b[b.size() - k]) return false;
  return true;
}

}  // namespace

Result<EltwiseChain> eltwise_chain_for(const ir::Node& n) {
  const std::string where = "CudaEltwise '" + n.name() + "'";
  const ir::Value* y = n.output(0);
  const Shape& ys = y->shape();
  EltwiseChain c;
  if (ys.size() > size_t(kMaxEltRank))
    return unsupported(where + ": rank " + std::to_string(ys.size()) + " is above " +
                       std::to_string(kMaxEltRank));
  // The chain's own shape: y's, or the inverse permutation of it.
  std::vector<int64_t> perm(ys.size());
  for (size_t k = 0; k < ys.size(); ++k) perm[k] = int64_t(k);
  if (auto it = n.attributes().find("perm"); it != n.attributes().end()) perm = it->second.ints;
  if (perm.size() != ys.size()) return invalid_argument(where + ": perm does not match the output rank");
  Shape pre(ys.size());
  for (size_t k = 0; k < ys.size(); ++k) {
    if (perm[k] < 0 || perm[k] >= int64_t(ys.size())) return invalid_argument(where + ": bad perm");
    pre[perm[k]] = ys[k];
  }
  c.rank = int(ys.size());
  for (int k = 0; k < c.rank; ++k) c.shape[k] = ys[k];
  const auto& ops = n.attributes().at("ops").ints;
  const auto& opnd = n.attributes().at("operand").ints;
  const auto& rev = n.attributes().at("reversed").ints;
  if (ops.size() > size_t(kMaxEltOps) || n.inputs().size() - 1 > size_t(kMaxEltOperands))
    return invalid_argument(where + ": too many ops or operands");
  c.n_ops = int(ops.size());
  for (int k = 0; k < c.n_ops; ++k) {
    c.ops[k] = int(ops[k]);
    c.operand[k] = opnd[k] < 0 ? -1 : int(opnd[k]) - 1;
    c.reversed[k] = int(rev[k]);
  }
  c.n_operands = int(n.inputs().size()) - 1;
  for (int j = 0; j < c.n_operands; ++j) {
    const ir::Value* o = n.input(j + 1);
    if (o->dtype() != y->dtype())
      return internal_error(where + ": operand " + o->describe() + " has another dtype than " +
                            y->describe());
    c.scalar[j] = shape_numel(o->shape()) == 1;
    const std::vector<int64_t> st = broadcast_strides(o->shape(), pre);
    for (int k = 0; k < c.rank; ++k) c.strides[j][k] = st[perm[k]];
  }
  bool identity = true;
  for (size_t k = 0; k < perm.size(); ++k) identity &= perm[k] == int64_t(k);
  if (!identity) {
    c.x_strided = 1;
    const std::vector<int64_t> st = row_major_strides(pre);
    for (int k = 0; k < c.rank; ++k) c.x_strides[k] = st[perm[k]];
  }
  return c;
}

Result<int> fold_eltwise_io(ir::Graph& graph) {
  passes::GraphRewriter rw(graph);
  int removed = 0;
  for (ir::Node* chain : rw.live_nodes()) {
    if (!is_chain(chain) || rw.removed(chain)) continue;
    // (i) Cast -> chain.
    ir::Node* cast = rw.producer(chain->input(0));
    if (cast && cast->domain().empty() && cast->op_type() == "Cast" &&
        rw.sole_reader(chain->input(0)) == chain && is_float(cast->input(0)->dtype()) &&
        is_float(chain->input(0)->dtype()) && cast->input(0)->shape() == chain->input(0)->shape()) {
      chain->inputs()[0] = cast->input(0);
      rw.remove(cast);
      ++removed;
      rw.refresh();
    }
    // (ii) chain -> [Reshape] -> Transpose.
    if (chain->attributes().count("perm")) continue;
    ir::Value* out = chain->output(0);
    ir::Node* next = rw.sole_reader(out);
    ir::Node* reshape = nullptr;
    if (next && next->domain().empty() && next->op_type() == "Reshape") {
      reshape = next;
      next = rw.sole_reader(reshape->output(0));
    }
    if (!next || !next->domain().empty() || next->op_type() != "Transpose") continue;
    auto perm = next->attr_ints("perm", {});
    const Shape& pre = next->input(0)->shape();
    if (!perm.ok() || perm->size() != pre.size() || pre.size() > size_t(kMaxEltRank)) continue;
    if (reshape && !same_broadcast(*chain, out->shape(), pre)) continue;
    ir::Value* t = next->output(0);
    if (t->dtype() != out->dtype()) continue;
    rw.remove(next);
    if (reshape) rw.remove(reshape);
    chain->outputs()[0] = t;
    t->set_producer(chain);
    chain->set_attribute("perm", ir::Attribute::from_ints(*perm));
    removed += reshape ? 2 : 1;
    rw.refresh();
  }
  graph.compact();
  RETURN_IF_ERROR(graph.topological_sort());
  return removed;
}

}  // namespace actrt::cuda
