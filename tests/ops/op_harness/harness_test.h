// The op harness as value-parameterized GoogleTest cases: one test per op case x backend x
// precision, named like OpHarness/Case.MatchesReference/Cpu_Fp32_Conv_stride2. A backend's test
// file instantiates it with harness_params(backend); op_harness_test.cc adds the coverage and
// docs/ops.md checks.
#pragma once

#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <vector>

#include "all_cases.h"
#include "run_case.h"

namespace actrt::op_harness {

struct HarnessParam {
  Target target;
  const OpCase* c = nullptr;
};

// What gtest prints for a parameter (instead of its bytes).
inline void PrintTo(const HarnessParam& p, std::ostream* os) {
  *os << target_name(p.target) << " " << p.c->id();
}

inline std::vector<HarnessParam> harness_params(BackendKind b) {
  std::vector<HarnessParam> out;
  for (Precision p : harness_precisions(b))
    for (const OpCase& c : all_cases()) out.push_back({{b, p}, &c});
  return out;
}

inline std::string harness_param_name(const testing::TestParamInfo<HarnessParam>& info) {
  std::string s = target_name(info.param.target) + "_" + info.param.c->id();
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

// Why the backend cannot run here ("" when it can).
inline std::string backend_unavailable(BackendKind b) {
  const runtime::Backend* be = runtime::find_backend(b);
  if (!be) return std::string(backend_name(b)) + " backend not compiled in";
  Status s = be->available();
  return s.ok() ? "" : s.message();
}

class Case : public testing::TestWithParam<HarnessParam> {};

TEST_P(Case, MatchesReference) {
  const auto& [target, c] = GetParam();
  if (const std::string why = backend_unavailable(target.backend); !why.empty()) GTEST_SKIP() << why;
  const Expectation want = expectation_for(target.backend, c->op, c->variant);
  const CaseResult r = run_case(*c, target, /*execute=*/true);
  const std::string where = target_name(target) + " " + c->id() + " (kernels: " + r.kernels() + ")";
  RecordProperty("kernels", r.kernels());  // in --gtest_output=xml / json reports
  if (want.outcome == Outcome::kKnownFailure) {
    if (!r.passed()) GTEST_SKIP() << "known failure of " << where << ": " << want.reason;
    ADD_FAILURE() << where << " passes now: remove its known-failure entry in expectations.h ("
                  << want.reason << ")";
    return;
  }
  ASSERT_TRUE(r.build.ok()) << where << ": build failed: " << r.build.to_string();
  if (r.observed != want.outcome) {
    const std::string msg = where + ": expected " + outcome_name(want.outcome) +
                            (want.reason.empty() ? std::string(" (no entry in expectations.h)")
                                                 : " (expectations.h: " + std::string(want.reason) + ")");
    if (target.backend == BackendKind::kCuda && !kCudaRowsVerified) {
      RecordProperty("unverified_outcome", msg);
      std::cout << "[W] " << msg << ", observed " << outcome_name(r.observed) << "\n";
    } else {
      ADD_FAILURE() << msg << ", observed " << outcome_name(r.observed);
    }
  }
  ASSERT_TRUE(r.run.ok()) << where << ": " << r.run.to_string();
  EXPECT_LE(r.error, r.tolerance) << where << ": worst output " << r.worst_output;
}

}  // namespace actrt::op_harness
