// Test helpers for the CUDA backend: build small graphs, compile them for CUDA in a precision,
// run them and compare with the reference executor. Tests skip (GTEST_SKIP) without a GPU.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>
#include <string>

#include "backends/reference/executor.h"
#include "runtime/backend.h"
#include "engine/builder.h"
#include "graph_builder.h"
#include "ir/graph.h"
#include "passes/infer_shapes.h"

namespace actrt::cuda_test {

using test_graph::float_attr;
using test_graph::GraphBuilder;
using test_graph::int_attr;
using test_graph::ints;
using test_graph::random_tensor;

// Why the CUDA backend cannot run here ("" when it can).
inline std::string cuda_unavailable() {
  const runtime::Backend* be = runtime::find_backend(BackendKind::kCuda);
  if (!be) return "CUDA backend not compiled in";
  Status s = be->available();
  return s.ok() ? "" : s.message();
}

#define SKIP_WITHOUT_CUDA()                                              \
  do {                                                                   \
    const std::string why = ::actrt::cuda_test::cuda_unavailable();      \
    if (!why.empty()) GTEST_SKIP() << why;                               \
  } while (0)


// kBf16: FP32 engine with BF16 matrix products (--bf16); kFp16Bf16: --fp16 --bf16.
enum class Mode { kFp32, kTf32, kFp16, kBf16, kFp16Bf16 };
inline const char* mode_name(Mode m) {
  switch (m) {
    case Mode::kFp32: return "fp32";
    case Mode::kTf32: return "tf32";
    case Mode::kFp16: return "fp16";
    case Mode::kBf16: return "bf16";
    case Mode::kFp16Bf16: return "fp16+bf16";
  }
  return "?";
}
// Tolerances of the issue: relative to the reference's largest magnitude. BF16 keeps 8 bits of
// mantissa (FP16: 11), so its products get 3x FP16's budget.
inline double tolerance(Mode m) {
  switch (m) {
    case Mode::kFp32: return 1e-4;
    case Mode::kTf32: return 2e-3;
    case Mode::kFp16: return 1e-2;
    case Mode::kBf16:
    case Mode::kFp16Bf16: return 3e-2;
  }
  return 0;
}

// ||a - b|| / ||b|| over all elements; NaN anywhere (an unwritten, poisoned output) fails.
inline double relative_error(const Tensor& a, const Tensor& b) {
  double num = 0, den = 0;
  for (int64_t i = 0; i < b.numel(); ++i) {
    const double x = a.element_as_double(i), r = b.element_as_double(i);
    if (std::isnan(x)) return INFINITY;
    num += (x - r) * (x - r);
    den += r * r;
  }
  return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}

struct CudaRun {
  std::unique_ptr<runtime::Plan> plan;
  std::unique_ptr<runtime::ExecutionContext> ctx;
};

inline std::unique_ptr<CudaRun> build_cuda(const ir::Graph& g, Mode mode, bool deterministic = true) {
  BuilderConfig config;
  config.backend = BackendKind::kCuda;
  config.tf32 = mode == Mode::kTf32;
  config.fp16 = mode == Mode::kFp16 || mode == Mode::kFp16Bf16;
  config.bf16 = mode == Mode::kBf16 || mode == Mode::kFp16Bf16;
  config.deterministic = deterministic;
  auto plan = engine::build_plan(g, config);
  EXPECT_TRUE(plan.ok()) << plan.status().to_string();
  if (!plan.ok()) return nullptr;
  auto run = std::make_unique<CudaRun>();
  run->plan = std::move(plan).value();
  auto ctx = runtime::find_backend(BackendKind::kCuda)->create_context(*run->plan, {});
  EXPECT_TRUE(ctx.ok()) << ctx.status().to_string();
  if (!ctx.ok()) return nullptr;
  run->ctx = std::move(ctx).value();
  return run;
}

// Runs `g` on the reference executor and on CUDA in `mode` three times (eager, graph capture,
// graph replay) with fresh inputs the third time; every output must be within the tolerance.
inline std::unique_ptr<CudaRun> expect_matches_reference(const ir::Graph& g, Mode mode,
                                                          uint32_t seed = 7,
                                                          double tol_override = 0) {
  auto run = build_cuda(g, mode);
  if (!run) return nullptr;
  const double tol = tol_override > 0 ? tol_override : tolerance(mode);
  for (int rep = 0; rep < 3; ++rep) {
    runtime::TensorMap feeds;
    uint32_t s = seed + (rep == 2 ? 1000 : 0);
    for (const ir::Value* v : g.inputs()) feeds[v->name()] = random_tensor(v->shape(), s++);
    auto ref = reference::Executor(g).run(feeds);
    EXPECT_TRUE(ref.ok()) << ref.status().to_string();
    if (!ref.ok()) return run;
    runtime::TensorMap outs;
    Status st = run->ctx->infer(feeds, outs);
    EXPECT_TRUE(st.ok()) << st.to_string();
    if (!st.ok()) return run;
    for (const auto& [name, t] : ref.value()) {
      EXPECT_TRUE(outs.count(name)) << "missing output " << name;
      if (!outs.count(name)) continue;
      EXPECT_EQ(outs[name].shape(), t.shape()) << name;
      EXPECT_EQ(outs[name].dtype(), t.dtype()) << name;
      if (outs[name].shape() != t.shape()) continue;
      EXPECT_LE(relative_error(outs[name], t), tol)
          << "output " << name << " (" << mode_name(mode) << ", run " << rep << ")";
    }
  }
  return run;
}

inline int count_kernel(const runtime::Plan& plan, const std::string& kernel) {
  int n = 0;
  for (const auto& [name, choice] : plan.layers) n += choice.kernel == kernel;
  return n;
}

}  // namespace actrt::cuda_test
