#include "passes/fuse_conv_affine.h"

#include <cmath>
#include <cstring>
#include <map>
#include <unordered_set>

#include "passes/pass_util.h"

namespace actrt::passes {

namespace {
using detail::is_op;

// Per-output-channel affine map: y' = y * scale[m] + shift[m] (or y / divisor when divide).
struct Affine {
  std::vector<double> scale;
  std::vector<double> shift;
  bool divide = false;  // scale holds divisors: keeps Div exactly as the model wrote it
};

// The per-channel values of constant `k` broadcast against a conv output of rank `rank` with
// `channels` channels (dim 1), or nullopt when k varies along any other dim or would grow y.
std::optional<std::vector<double>> per_channel(const Tensor* k, int64_t channels, int64_t rank) {
  if (!k || !is_floating(k->dtype()) || k->rank() > rank) return std::nullopt;
  bool has_channel_dim = false;
  for (int64_t i = 0; i < k->rank(); ++i) {
    int64_t y_dim = i + (rank - k->rank());
    int64_t d = k->shape()[size_t(i)];
    if (y_dim == 1 && d == channels) {
      has_channel_dim = true;
    } else if (d != 1) {
      return std::nullopt;
    }
  }
  std::vector<double> v = detail::to_doubles(*k);
  if (!has_channel_dim) return std::vector<double>(size_t(channels), v.at(0));
  return v;
}

// The affine map that `c` applies to conv output `y`, or nullopt if it is not one.
std::optional<Affine> affine_of(const ir::Node& c, const ir::Value* y, int64_t m, int64_t rank) {
  auto other = [&]() -> const ir::Value* {
    if (c.inputs().size() != 2) return nullptr;
    if (c.input(0) == y && c.input(1) != y) return c.input(1);
    if (c.input(1) == y && c.input(0) != y) return c.input(0);
    return nullptr;
  };
  const std::vector<double> zeros(size_t(m), 0.0), ones(size_t(m), 1.0);
  if (is_op(&c, "Mul") || is_op(&c, "Div") || is_op(&c, "Add") || is_op(&c, "Sub")) {
    const ir::Value* o = other();
    if (!o) return std::nullopt;
    auto k = per_channel(detail::constant_of(o), m, rank);
    if (!k) return std::nullopt;
    if (is_op(&c, "Mul")) return Affine{*k, zeros};
    if (is_op(&c, "Add")) return Affine{ones, *k};
    if (c.input(0) == y) {
      if (is_op(&c, "Div")) return Affine{*k, zeros, true};
      for (double& v : *k) v = -v;
      return Affine{ones, *k};  // y - t
    }
    if (is_op(&c, "Sub")) return Affine{std::vector<double>(size_t(m), -1.0), *k};  // t - y
    return std::nullopt;  // s / y is not affine
  }
  if (is_op(&c, "BatchNormalization")) {
    if (c.input(0) != y || c.inputs().size() != 5) return std::nullopt;
    for (size_t i = 1; i < c.outputs().size(); ++i)
      if (c.output(i)) return std::nullopt;  // training form: running stats are outputs
    auto training = c.attr_int("training_mode", 0);
    auto eps = c.attr_float("epsilon", 1e-5f);
    if (!training.ok() || *training != 0 || !eps.ok()) return std::nullopt;
    std::vector<std::vector<double>> p;
    for (size_t i = 1; i <= 4; ++i) {
      const Tensor* t = detail::constant_of(c.input(i));
      if (!t || t->rank() != 1 || t->numel() != m || !is_floating(t->dtype())) return std::nullopt;
      p.push_back(detail::to_doubles(*t));
    }
    Affine a{std::vector<double>(size_t(m)), std::vector<double>(size_t(m))};
    for (size_t j = 0; j < size_t(m); ++j) {
      // eps is an f32 attribute added to f32 var in the kernel; do the same here.
      a.scale[j] = p[0][j] / std::sqrt(p[3][j] + double(*eps));
      a.shift[j] = p[1][j] - p[2][j] * a.scale[j];
    }
    return a;
  }
  return std::nullopt;
}

struct Folded {
  ir::Value* weight;
  ir::Value* bias;
};

// Key for sharing folded constants: the original W and B values and the exact affine map.
std::string cache_key(const ir::Value* w, const ir::Value* b, const Affine& a) {
  std::string key(reinterpret_cast<const char*>(&w), sizeof(w));
  key.append(reinterpret_cast<const char*>(&b), sizeof(b));
  key.push_back(a.divide ? 'd' : 'm');
  key.append(reinterpret_cast<const char*>(a.scale.data()), a.scale.size() * sizeof(double));
  key.append(reinterpret_cast<const char*>(a.shift.data()), a.shift.size() * sizeof(double));
  return key;
}

Folded fold(ir::Graph& g, const ir::Node& conv, const ir::Value* w, const ir::Value* b,
            const Affine& a) {
  const Tensor& wt = w->constant();
  int64_t m = wt.shape()[0];
  int64_t per = wt.numel() / m;
  std::vector<double> wd = detail::to_doubles(wt);
  std::vector<double> bd = b ? detail::to_doubles(b->constant()) : std::vector<double>(size_t(m));
  std::vector<float> wf(wd.size());
  std::vector<float> bf(static_cast<size_t>(m));
  for (int64_t j = 0; j < m; ++j) {
    double s = a.scale[size_t(j)];
    for (int64_t i = j * per; i < (j + 1) * per; ++i)
      wf[size_t(i)] = float(a.divide ? wd[size_t(i)] / s : wd[size_t(i)] * s);
    double bias = a.divide ? bd[size_t(j)] / s : bd[size_t(j)] * s;
    bf[size_t(j)] = float(bias + a.shift[size_t(j)]);
  }
  return {detail::add_f32_constant(g, w->name() + "_folded", wt.shape(), wf),
          detail::add_f32_constant(g, conv.name() + "_bias_folded", {m}, bf)};
}
}  // namespace

Result<PassReport> fuse_conv_affine(ir::Graph& graph) {
  size_t before = detail::begin_pass(graph);
  // Built once: a fold only moves an existing value (the folded op's output) onto the Conv and
  // adds constants, so the readers of every value still of interest stay as listed. No compact()
  // before the end either, so the pointers in `cache` stay valid.
  detail::Uses uses = graph.build_uses();
  std::unordered_set<const ir::Node*> removed;
  std::map<std::string, Folded> cache;
  int rewrites = 0;
  std::vector<ir::Node*> convs;
  for (const auto& n : graph.nodes())
    if (is_op(n.get(), "Conv")) convs.push_back(n.get());
  for (ir::Node* conv : convs) {
    for (;;) {
      ir::Value* w = conv->input(1);
      ir::Value* b = conv->input(2);
      ir::Value* y = conv->output(0);
      if (!w || !w->is_constant() || w->dtype() != DataType::kFloat32 || w->constant().rank() < 3)
        break;
      if (b && (!b->is_constant() || b->dtype() != DataType::kFloat32)) break;
      if (!y || !detail::has_single_consumer(graph, uses, y)) break;
      ir::Node* c = detail::consumers(uses, y)[0];
      if (removed.count(c) || c->outputs().empty() || !c->output(0)) break;
      ir::Value* out = c->output(0);
      if (y->has_shape() && out->has_shape() && y->shape() != out->shape()) break;
      if (out->dtype() != DataType::kFloat32) break;
      int64_t m = w->constant().shape()[0];
      auto a = affine_of(*c, y, m, w->constant().rank());
      if (!a) break;
      std::string key = cache_key(w, b, *a);
      auto it = cache.find(key);
      if (it == cache.end()) it = cache.emplace(key, fold(graph, *conv, w, b, *a)).first;
      conv->inputs().resize(3);
      conv->inputs()[1] = it->second.weight;
      conv->inputs()[2] = it->second.bias;
      graph.remove_node(c);
      removed.insert(c);
      detail::produce_into(conv, 0, out);
      ++rewrites;
    }
  }
  return detail::finish_pass(graph, before, rewrites);
}

}  // namespace actrt::passes
