// Test helpers for the CPU backend: build small graphs, compile them for the CPU backend and
// compare with the reference executor.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>
#include <string>

#include "backends/reference/executor.h"
#include "runtime/backend.h"
#include "graph_builder.h"
#include "ir/graph.h"
#include "passes/infer_shapes.h"

namespace actrt::cpu_test {

using test_graph::float_attr;
using test_graph::GraphBuilder;
using test_graph::int_attr;
using test_graph::ints;
using test_graph::random_tensor;

struct CpuRun {
  runtime::Plan plan;
  std::unique_ptr<runtime::ExecutionContext> ctx;
};

inline std::unique_ptr<CpuRun> build_cpu(const ir::Graph& g, int threads = 2) {
  const runtime::Backend* be = runtime::find_backend(BackendKind::kCpu);
  EXPECT_NE(be, nullptr) << "CPU backend not registered";
  if (!be) return nullptr;
  auto run = std::make_unique<CpuRun>();
  run->plan.graph = g.clone();
  BuilderConfig config;
  config.threads = threads;
  Status s = be->compile(run->plan, config);
  EXPECT_TRUE(s.ok()) << s.to_string();
  if (!s.ok()) return nullptr;
  auto ctx = be->create_context(run->plan, {});
  EXPECT_TRUE(ctx.ok()) << ctx.status().to_string();
  if (!ctx.ok()) return nullptr;
  run->ctx = std::move(ctx).value();
  return run;
}

// max |a - b| / max |b| over every output (b: reference).
inline double relative_error(const Tensor& a, const Tensor& b) {
  double max_err = 0, max_ref = 0;
  for (int64_t i = 0; i < b.numel(); ++i) {
    max_err = std::max(max_err, std::abs(a.element_as_double(i) - b.element_as_double(i)));
    max_ref = std::max(max_ref, std::abs(b.element_as_double(i)));
  }
  return max_ref > 0 ? max_err / max_ref : max_err;
}

// Runs the graph on the reference executor and the CPU backend; expects every output within
// `tol` relative. Returns the CPU plan for further checks.
inline std::unique_ptr<CpuRun> expect_matches_reference(const ir::Graph& g,
                                                         const runtime::TensorMap& feeds,
                                                         double tol = 1e-4, int threads = 2) {
  auto ref = reference::Executor(g).run(feeds);
  EXPECT_TRUE(ref.ok()) << ref.status().to_string();
  auto run = build_cpu(g, threads);
  if (!run || !ref.ok()) return run;
  runtime::TensorMap outs;
  Status s = run->ctx->infer(feeds, outs);
  EXPECT_TRUE(s.ok()) << s.to_string();
  for (const auto& [name, t] : ref.value()) {
    EXPECT_TRUE(outs.count(name)) << "missing output " << name;
    if (!outs.count(name)) continue;
    EXPECT_EQ(outs[name].shape(), t.shape()) << name;
    EXPECT_EQ(outs[name].dtype(), t.dtype()) << name;
    if (outs[name].shape() != t.shape()) continue;
    EXPECT_LE(relative_error(outs[name], t), tol) << "output " << name;
  }
  return run;
}

// Number of nodes of the plan whose kernel is `kernel`.
inline int count_kernel(const runtime::Plan& plan, const std::string& kernel) {
  int n = 0;
  for (const auto& [name, choice] : plan.layers) n += choice.kernel == kernel;
  return n;
}

}  // namespace actrt::cpu_test
