#include "passes/fuse_matmul_add.h"

#include <unordered_set>

#include "passes/pass_util.h"

namespace actrt::passes {

using detail::is_op;

Result<PassReport> fuse_matmul_add(ir::Graph& graph) {
  size_t before = detail::begin_pass(graph);
  // Built once: each rewrite only touches its own MatMul and Add, and a removed Add is never a
  // MatMul candidate, so the listed readers of every later candidate stay right.
  detail::Uses uses = graph.build_uses();
  std::vector<ir::Node*> matmuls;
  for (const auto& n : graph.nodes())
    if (is_op(n.get(), "MatMul")) matmuls.push_back(n.get());
  int rewrites = 0;
  for (ir::Node* mm : matmuls) {
    ir::Value* a = mm->input(0);
    ir::Value* w = mm->input(1);
    ir::Value* y = mm->output(0);
    if (!a || !w || !y || !a->has_shape() || !y->has_shape()) continue;
    if (!w->is_constant() || w->dtype() != DataType::kFloat32 || w->constant().rank() != 2)
      continue;
    if (a->dtype() != DataType::kFloat32) continue;
    const Shape& as = a->shape();
    int64_t rank = static_cast<int64_t>(as.size());
    int64_t k = w->constant().shape()[0], n = w->constant().shape()[1];
    if (rank < 2 || as.back() != k) continue;
    if (!detail::has_single_consumer(graph, uses, y)) continue;
    ir::Node* add = detail::consumers(uses, y)[0];
    if (!is_op(add, "Add") || add->inputs().size() != 2 || !add->output(0)) continue;
    ir::Value* c = add->input(0) == y ? add->input(1) : add->input(0);
    if (c == y) continue;
    ir::Value* out = add->output(0);
    if (out->has_shape() && out->shape() != y->shape()) continue;
    auto bias = detail::last_dim_vector(detail::constant_of(c), n, rank);
    if (!bias) continue;
    int64_t m = 1;
    for (int64_t i = 0; i + 1 < rank; ++i) m *= as[size_t(i)];
    if (m == 0 || k == 0 || n == 0) continue;  // Reshape reads 0 as "copy this dim"

    std::string base = mm->name();
    ir::Value* bias_v = detail::add_f32_constant(graph, base + "_bias", {n}, *bias);
    graph.remove_node(add);
    graph.remove_node(mm);
    ir::Value* gemm_in = a;
    if (rank > 2) {
      gemm_in = detail::add_computed_value(graph, base + "_2d", a->dtype(), Shape{m, k});
      graph.add_node(graph.make_unique_name(base + "_flatten"), "Reshape",
                     {a, detail::add_i64_constant(graph, base + "_shape2d", {m, k})}, {gemm_in});
    }
    ir::Node* gemm =
        graph.add_node(graph.make_unique_name(base + "_gemm"), "Gemm", {gemm_in, w, bias_v}, {});
    gemm->outputs().push_back(nullptr);
    if (rank > 2) {
      ir::Value* g_out = detail::add_computed_value(graph, base + "_gemm_out", a->dtype(),
                                                    Shape{m, n});
      detail::produce_into(gemm, 0, g_out);
      ir::Node* back = graph.add_node(
          graph.make_unique_name(base + "_unflatten"), "Reshape",
          {g_out, detail::add_i64_constant(graph, base + "_shape", y->shape())}, {});
      back->outputs().push_back(nullptr);
      detail::produce_into(back, 0, out);
    } else {
      detail::produce_into(gemm, 0, out);
    }
    ++rewrites;
  }
  return detail::finish_pass(graph, before, rewrites);
}

}  // namespace actrt::passes
