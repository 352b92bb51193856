// The op harness on the CPU backend, the coverage of ops.def, the expectation table's sanity and
// the CPU section of docs/ops.md.
#include <gtest/gtest.h>

#include <set>

#include "harness_test.h"
#include "ops_doc.h"

namespace actrt::op_harness {
namespace {

INSTANTIATE_TEST_SUITE_P(OpHarness, Case, testing::ValuesIn(harness_params(BackendKind::kCpu)),
                         harness_param_name);

TEST(OpHarnessCoverage, EveryOpOfOpsDefHasACase) {
  ASSERT_GE(ops_def_ops().size(), 60u) << "ops.def read through ACTRT_OP";
  std::set<std::string> covered;
  for (const OpCase& c : all_cases()) covered.insert(c.op);
  for (const std::string& op : ops_def_ops())
    EXPECT_TRUE(covered.count(op)) << op << " (src/ops/ops.def) has no case in tests/ops/op_harness";
}

TEST(OpHarnessCoverage, CasesAreOpsOfOpsDefWithUniqueNames) {
  const std::set<std::string> ops(ops_def_ops().begin(), ops_def_ops().end());
  std::set<std::string> ids;
  for (const OpCase& c : all_cases()) {
    EXPECT_TRUE(ops.count(c.op)) << c.id() << ": " << c.op << " is not in src/ops/ops.def";
    EXPECT_TRUE(ids.insert(c.id()).second) << c.id() << " is defined twice";
  }
}

// Every entry of the expectation table names an op of ops.def (and a variant that exists), and
// says why: a stale entry would silently excuse nothing.
TEST(OpHarnessCoverage, ExpectationsNameExistingCasesWithReasons) {
  for (const Expectation& e : kExpectations) {
    bool found = false;
    for (const OpCase& c : all_cases()) found |= c.op == e.op && (e.variant.empty() || c.variant == e.variant);
    EXPECT_TRUE(found) << "expectations.h: no case " << e.op << " " << e.variant;
    EXPECT_FALSE(e.reason.empty()) << "expectations.h: " << e.op << " " << e.variant << " needs a reason";
  }
}

// Each case's graph is one node of its op with non-constant inputs where the op has inputs, so a
// kernel (not build-time folding) is what the case checks.
TEST(OpHarnessCoverage, CasesAreSingleNodesWithRuntimeInputs) {
  for (const OpCase& c : all_cases()) {
    CaseGraph g = c.make();
    ASSERT_EQ(g.graph->node_count(), 1u) << c.id();
    EXPECT_EQ(g.graph->nodes()[0]->op_type(), c.op) << c.id();
    const Expectation e = expectation_for(BackendKind::kCpu, c.op, c.variant);
    if (e.outcome != Outcome::kFolded) {
      EXPECT_FALSE(g.feeds.empty()) << c.id() << " has no runtime input";
    }
    for (const auto& [name, t] : g.feeds) {
      bool nonzero = false;
      for (int64_t i = 0; i < t.numel() && !nonzero; ++i) nonzero = t.element_as_double(i) != 0;
      EXPECT_TRUE(nonzero) << c.id() << ": input " << name << " is all zeros";
    }
  }
}

// docs/ops.md's CPU section is what the harness observes now. ACTRT_WRITE_OPS_DOC=<path of
// docs/ops.md> rewrites the section instead (the other sections are kept).
TEST(OpsDoc, CpuSectionUpToDate) {
  if (const std::string why = backend_unavailable(BackendKind::kCpu); !why.empty()) GTEST_SKIP() << why;
  const std::string section = render_backend_section(BackendKind::kCpu, "");
  if (const std::string written = write_section_if_asked(BackendKind::kCpu, section); !written.empty())
    GTEST_SKIP() << "wrote the CPU section of " << written;
  const std::string path = ops_doc_path();
  EXPECT_EQ(extract_section(read_text(path), BackendKind::kCpu), section)
      << path << " is stale: run ACTRT_WRITE_OPS_DOC=" << path
      << " build/bin/ops --gtest_filter=OpsDoc.CpuSectionUpToDate";
}

}  // namespace
}  // namespace actrt::op_harness
