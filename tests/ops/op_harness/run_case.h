// Runs one op-harness case on one backend in one precision: builds the engine plan through the
// builder (as `actrt build` does), records which kernel the plan gives each node, runs it on
// the case's feeds and compares every output with the reference executor.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backends/reference/executor.h"
#include "engine/builder.h"
#include "expectations.h"
#include "op_case.h"
#include "runtime/backend.h"
#include "tolerance.h"

namespace actrt::op_harness {

struct Target {
  BackendKind backend = BackendKind::kCpu;
  Precision precision = Precision::kFp32;
};

// "Cpu_Fp32": the target's part of a gtest name.
inline std::string target_name(Target t) {
  auto capitalized = [](std::string_view w) {
    std::string s(w);
    if (!s.empty()) s[0] = char(std::toupper(static_cast<unsigned char>(s[0])));
    return s;
  };
  return capitalized(backend_name(t.backend)) + "_" + capitalized(precision_name(t.precision));
}

// The precisions each backend builds engines in that the harness checks (INT8 needs calibrated
// graphs of more than one node and has its own tests).
inline std::vector<Precision> harness_precisions(BackendKind b) {
  if (b == BackendKind::kCuda) return {Precision::kFp32, Precision::kFp16};
  return {Precision::kFp32};
}

// Kernel names the backends give nodes that nothing runs.
inline bool is_folded_kernel(const std::string& k) { return k == "folded" || k == "constant"; }

// Whether `kernel` is a backend's reference fallback: the CPU's "reference.<Op>", CUDA's
// "host.reference", or a kernel-table entry marked host_fallback.
inline bool is_fallback_kernel(const runtime::Backend& backend, const std::string& kernel) {
  if (kernel.rfind("reference.", 0) == 0 || kernel.rfind("host.", 0) == 0) return true;
  for (const runtime::KernelInfo& k : backend.kernels())
    if (k.host_fallback && kernel == k.name) return true;
  return false;
}

struct CaseResult {
  Status build;                                               // the plan build
  std::vector<std::pair<std::string, std::string>> layers;    // node -> kernel, plan order
  Outcome observed = Outcome::kKernel;
  Status run;                                                 // infer() and output checks
  double error = 0;                                           // worst relative error
  double tolerance = 0;
  std::string worst_output;

  // "onednn.conv" or "a+b" for plans of several nodes; "(none)" for an empty plan.
  std::string kernels() const {
    std::string s;
    for (const auto& [node, k] : layers) s += (s.empty() ? "" : "+") + k;
    return s.empty() ? "(none)" : s;
  }
  bool passed() const { return build.ok() && run.ok() && error <= tolerance; }
};

inline Outcome classify(const runtime::Backend& backend,
                        const std::vector<std::pair<std::string, std::string>>& layers) {
  bool all_folded = true;
  for (const auto& [node, k] : layers) {
    if (is_fallback_kernel(backend, k)) return Outcome::kFallback;
    all_folded &= is_folded_kernel(k);
  }
  return all_folded ? Outcome::kFolded : Outcome::kKernel;
}

// max |a - b| / max |b| (b: reference); infinity for NaN or a shape / dtype mismatch.
inline double relative_error(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return std::numeric_limits<double>::infinity();
  double max_err = 0, max_ref = 0;
  for (int64_t i = 0; i < b.numel(); ++i) {
    const double x = a.element_as_double(i), r = b.element_as_double(i);
    if (std::isnan(x) != std::isnan(r)) return std::numeric_limits<double>::infinity();
    max_err = std::max(max_err, std::abs(x - r));
    max_ref = std::max(max_ref, std::abs(r));
  }
  return max_ref > 0 ? max_err / max_ref : max_err;
}

// Builds (and when `execute`, runs and checks) `c` on `t`. The backend must be available.
inline CaseResult run_case(const OpCase& c, Target t, bool execute) {
  CaseResult r;
  r.tolerance = tolerance(c.family, t.precision);
  CaseGraph cg = c.make();
  BuilderConfig config;
  config.backend = t.backend;
  config.fp16 = t.precision == Precision::kFp16;
  config.threads = 1;
  config.deterministic = true;
  auto plan = engine::build_plan(*cg.graph, config);
  if (!plan.ok()) {
    r.build = plan.status();
    return r;
  }
  const runtime::Backend& backend = *runtime::find_backend(t.backend);
  for (const auto& n : (*plan)->graph->nodes()) {
    auto it = (*plan)->layers.find(n->name());
    r.layers.push_back({n->name(), it == (*plan)->layers.end() ? "(no choice)" : it->second.kernel});
  }
  r.observed = classify(backend, r.layers);
  if (!execute) return r;

  auto ref = reference::Executor(*cg.graph).run(cg.feeds);
  if (!ref.ok()) {
    r.run = ref.status().with_context("reference executor");
    return r;
  }
  auto ctx = backend.create_context(**plan, {.threads = 1});
  if (!ctx.ok()) {
    r.run = ctx.status();
    return r;
  }
  runtime::TensorMap outs;
  r.run = (*ctx)->infer(cg.feeds, outs);
  if (!r.run.ok()) return r;
  for (const auto& [name, want] : *ref) {
    auto it = outs.find(name);
    const double e = it == outs.end() ? std::numeric_limits<double>::infinity()
                                      : relative_error(it->second, want);
    if (e > r.error || r.worst_output.empty()) {
      r.error = std::max(r.error, e);
      r.worst_output = name + (it == outs.end() ? " (missing)"
                               : " (" + std::string(dtype_name(it->second.dtype())) + " " +
                                     shape_to_string(it->second.shape()) + ", reference " +
                                     std::string(dtype_name(want.dtype())) + " " +
                                     shape_to_string(want.shape()) + ")");
    }
  }
  return r;
}

}  // namespace actrt::op_harness
