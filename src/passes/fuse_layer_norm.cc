#include "passes/fuse_layer_norm.h"

#include <unordered_set>

#include "passes/pass_util.h"

namespace actrt::passes {

namespace {
using detail::is_op;

class Matcher {
 public:
  Matcher(ir::Graph& g, const detail::Uses& uses) : g_(g), uses_(uses) {}

  // Tries the pattern rooted at ReduceMean `rm1`; on success rewrites and returns true.
  bool try_match(ir::Node* rm1) {
    matched_.clear();
    ir::Value* x = rm1->input(0);
    if (!x || !x->has_shape() || x->dtype() != DataType::kFloat32 || x->shape().empty())
      return false;
    int64_t rank = static_cast<int64_t>(x->shape().size());
    int64_t n = x->shape().back();
    if (!reduces_last_axis(*rm1, rank)) return false;
    matched_.push_back(rm1);

    ir::Node* sub = only_consumer(rm1->output(0));
    if (!is_op(sub, "Sub") || sub->input(0) != x || sub->input(1) != rm1->output(0)) return false;
    matched_.push_back(sub);
    ir::Value* d = sub->output(0);
    if (!d || g_.is_graph_output(d)) return false;
    std::vector<ir::Node*> d_readers = detail::consumers(uses_, d);
    if (d_readers.size() != 2) return false;

    // Which reader squares d and which divides by the deviation.
    ir::Node* sq = nullptr;
    ir::Node* divide = nullptr;
    for (ir::Node* r : d_readers) {
      if (is_square_of(*r, d)) {
        sq = r;
      } else {
        divide = r;
      }
    }
    if (!sq || !divide) return false;
    matched_.push_back(sq);
    ir::Node* rm2 = only_consumer(sq->output(0));
    if (!is_op(rm2, "ReduceMean") || !reduces_last_axis(*rm2, rank)) return false;
    matched_.push_back(rm2);
    ir::Node* add_eps = only_consumer(rm2->output(0));
    if (!is_op(add_eps, "Add") || add_eps->inputs().size() != 2) return false;
    ir::Value* eps_v = add_eps->input(0) == rm2->output(0) ? add_eps->input(1) : add_eps->input(0);
    auto eps = detail::scalar_of(eps_v);
    if (!eps || eps_v == rm2->output(0)) return false;
    matched_.push_back(add_eps);
    ir::Node* sqrt = only_consumer(add_eps->output(0));
    if (!is_op(sqrt, "Sqrt")) return false;
    matched_.push_back(sqrt);
    ir::Value* sd = sqrt->output(0);
    if (is_op(divide, "Div")) {
      if (divide->input(0) != d || divide->input(1) != sd || only_consumer(sd) != divide)
        return false;
    } else if (is_op(divide, "Mul")) {
      ir::Node* recip = only_consumer(sd);
      if (!is_op(recip, "Reciprocal")) return false;
      matched_.push_back(recip);
      ir::Value* r = recip->output(0);
      bool operands = (divide->input(0) == d && divide->input(1) == r) ||
                      (divide->input(1) == d && divide->input(0) == r);
      if (!operands || only_consumer(r) != divide) return false;
    } else {
      return false;
    }
    matched_.push_back(divide);

    // Optional affine tail.
    ir::Value* last = divide->output(0);
    std::optional<std::vector<float>> gamma, beta;
    const ir::Value* gamma_v = nullptr;
    const ir::Value* beta_v = nullptr;
    if (ir::Node* mul = only_consumer(last); is_op(mul, "Mul") && mul->inputs().size() == 2) {
      gamma_v = mul->input(0) == last ? mul->input(1) : mul->input(0);
      gamma = detail::last_dim_vector(detail::constant_of(gamma_v), n, rank);
      if (gamma && gamma_v != last) {
        matched_.push_back(mul);
        last = mul->output(0);
      } else {
        gamma.reset();
      }
    }
    if (ir::Node* add = only_consumer(last); is_op(add, "Add") && add->inputs().size() == 2) {
      beta_v = add->input(0) == last ? add->input(1) : add->input(0);
      beta = detail::last_dim_vector(detail::constant_of(beta_v), n, rank);
      if (beta && beta_v != last) {
        matched_.push_back(add);
        last = add->output(0);
      } else {
        beta.reset();
      }
    }
    if (!last || (last->has_shape() && last->shape() != x->shape())) return false;

    // Rewrite.
    ir::Value* scale = reuse_or_add(gamma ? gamma_v : nullptr, gamma, n, rm1->name() + "_scale");
    std::vector<ir::Value*> inputs{x, scale};
    if (beta) inputs.push_back(reuse_or_add(beta_v, beta, n, rm1->name() + "_bias"));
    for (ir::Node* m : matched_) g_.remove_node(m);
    ir::Node* ln = g_.add_node(g_.make_unique_name(rm1->name() + "_layer_norm"),
                               "LayerNormalization", std::move(inputs), {});
    ln->outputs().push_back(nullptr);
    detail::produce_into(ln, 0, last);
    ln->set_attribute("axis", ir::Attribute::from_int(-1));
    ln->set_attribute("epsilon", ir::Attribute::from_float(float(*eps)));
    return true;
  }

  const std::vector<ir::Node*>& matched() const { return matched_; }

 private:
  // The node that alone reads v (v is not a graph output), or nullptr.
  ir::Node* only_consumer(const ir::Value* v) const {
    if (!v || !detail::has_single_consumer(g_, uses_, v)) return nullptr;
    return detail::consumers(uses_, v)[0];
  }

  static bool reduces_last_axis(const ir::Node& rm, int64_t rank) {
    auto keep = rm.attr_int("keepdims", 1);
    if (!keep.ok() || *keep != 1) return false;
    auto axes = detail::axes_of(rm, 1);
    if (!axes || axes->size() != 1) return false;
    auto a = detail::normalize_axis((*axes)[0], rank);
    return a && *a == rank - 1;
  }

  static bool is_square_of(const ir::Node& n, const ir::Value* d) {
    if (is_op(&n, "Mul")) return n.inputs().size() == 2 && n.input(0) == d && n.input(1) == d;
    if (is_op(&n, "Pow")) {
      auto e = detail::scalar_of(n.input(1));
      return n.input(0) == d && e && *e == 2.0;
    }
    return false;
  }

  // The constant as a [n] value: the existing one when already [n] f32, else a new constant.
  ir::Value* reuse_or_add(const ir::Value* v, const std::optional<std::vector<float>>& data,
                          int64_t n, const std::string& hint) {
    if (v && v->constant().shape() == Shape{n}) return const_cast<ir::Value*>(v);
    std::vector<float> values = data ? *data : std::vector<float>(size_t(n), 1.0f);
    return detail::add_f32_constant(g_, hint, {n}, values);
  }

  ir::Graph& g_;
  const detail::Uses& uses_;
  std::vector<ir::Node*> matched_;
};
}  // namespace

Result<PassReport> fuse_layer_norm(ir::Graph& graph) {
  size_t before = detail::begin_pass(graph);
  // Built once: matched patterns are disjoint (each intermediate has one reader) and a rewrite
  // only removes matched nodes and adds one that reads x, which no other match inspects.
  detail::Uses uses = graph.build_uses();
  std::unordered_set<const ir::Node*> removed;
  std::vector<ir::Node*> roots;
  for (const auto& n : graph.nodes())
    if (is_op(n.get(), "ReduceMean")) roots.push_back(n.get());
  Matcher m(graph, uses);
  int rewrites = 0;
  for (ir::Node* rm : roots) {
    if (removed.count(rm)) continue;
    if (!m.try_match(rm)) continue;
    removed.insert(m.matched().begin(), m.matched().end());
    ++rewrites;
  }
  return detail::finish_pass(graph, before, rewrites);
}

}  // namespace actrt::passes
