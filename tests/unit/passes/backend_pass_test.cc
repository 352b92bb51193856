// Backend passes (src/passes/backend_pass.h): the registry, --disable-pass checks, and the runner
// that verifies the graph after every pass and names the pass that broke it.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "actrt/network.h"
#include "passes/backend_pass.h"
#include "passes/pass_manager.h"
#include "pass_test_util.h"

namespace actrt::passes {
namespace {

using testing::Builder;

std::vector<std::string> names_of(BackendKind backend) {
  std::vector<std::string> out;
  for (const BackendPassInfo& p : backend_passes(backend)) out.emplace_back(p.name);
  return out;
}

TEST(BackendPasses, CpuListInRunOrder) {
  EXPECT_EQ(names_of(BackendKind::kCpu),
            (std::vector<std::string>{"fold_qdq", "fuse_for_cpu", "lower_int8_layers"}));
}

TEST(BackendPasses, CudaListInRunOrderWhereCompiledIn) {
  if (backend_passes(BackendKind::kCuda).empty()) GTEST_SKIP() << "CUDA backend not compiled in";
  EXPECT_EQ(names_of(BackendKind::kCuda),
            (std::vector<std::string>{"fold_qdq", "fuse_for_cuda", "lower_int8_layers",
                                      "convert_to_fp16", "fold_attention_layouts", "merge_qkv",
                                      "fold_eltwise_io", "fold_copy_chains",
                                      "lower_bf16_matmuls"}));
  Status s = check_disabled_passes(BackendKind::kCuda, {"fuse_for_cuda"});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("needs this pass"), std::string::npos) << s.message();
  EXPECT_TRUE(check_disabled_passes(BackendKind::kCuda, {"merge_qkv"}).ok());
}

TEST(BackendPasses, ListPassesGivesGraphPassesThenTheBackendsWithDescriptions) {
  const std::vector<PassDescription> list = list_passes(BackendKind::kCpu);
  ASSERT_EQ(list.size(), all_passes().size() + backend_passes(BackendKind::kCpu).size());
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    EXPECT_EQ(list[i].stage, i < all_passes().size() ? "graph" : "cpu") << list[i].name;
    EXPECT_FALSE(list[i].description.empty()) << list[i].name;
    // One name space: --disable-pass NAME must mean one pass.
    EXPECT_TRUE(names.insert(list[i].name).second) << "duplicate pass name " << list[i].name;
  }
  EXPECT_EQ(list.back().name, "lower_int8_layers");
}

TEST(BackendPasses, UnknownNamesAreRefusedListingTheKnownOnes) {
  Status s = check_disabled_passes(BackendKind::kCpu, {"fuse_for_cpu", "no_such_pass"});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("unknown pass 'no_such_pass'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("fold_constants"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("cpu backend: fold_qdq fuse_for_cpu"), std::string::npos)
      << s.message();
  // Graph pass names are fine here (they were skipped on import) and backend pass names are
  // fine in the graph pipeline (the backend skips them).
  EXPECT_TRUE(check_disabled_passes(BackendKind::kCpu, {"fold_constants"}).ok());
  PipelineOptions backend_name_only, unknown_name;
  backend_name_only.disabled = {"fuse_for_cpu"};
  unknown_name.disabled = {"no_such_pass"};
  EXPECT_TRUE(PassManager::create(backend_name_only).ok());
  auto refused = PassManager::create(unknown_name);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("fuse_for_cpu"), std::string::npos);
}

// A test backend's state and passes: one that keeps the graph valid, one that breaks it.
struct TestState {
  ir::Graph* graph = nullptr;
  std::vector<std::string> ran;
};

Result<PassReport> harmless(TestState& s) {
  s.ran.push_back("harmless");
  return PassReport{};
}

// Reads a value nothing produces: the verifier must catch it and name this pass.
Result<PassReport> break_graph(TestState& s) {
  s.ran.push_back("break_graph");
  ir::Value* dangling = s.graph->add_value("dangling");
  dangling->set_dtype(DataType::kFloat32);
  dangling->set_shape({2});
  ir::Value* out = s.graph->add_value("broken_out");
  out->set_dtype(DataType::kFloat32);
  out->set_shape({2});
  s.graph->add_node("broken_relu", "Relu", {dangling}, {out});
  return PassReport{};
}

Result<PassReport> failing(TestState& s) {
  s.ran.push_back("failing");
  return unsupported("this pass always fails");
}

std::unique_ptr<ir::Graph> tiny_graph() {
  Builder b;
  b.output(b.op("Relu", "r", {b.input("x", {2})}));
  auto g = b.take();
  EXPECT_TRUE(infer_shapes(*g).ok());
  return g;
}

// A test backend: a valid graph, its state, and the runner over a test table.
struct TestBackend {
  std::unique_ptr<ir::Graph> graph = tiny_graph();
  TestState state;
  Result<std::vector<PassRunRecord>> run(std::span<const BackendPass<TestState>> table,
                                         const std::vector<std::string>& disabled = {}) {
    state.graph = graph.get();
    return run_backend_passes(BackendKind::kCpu, table, state, *graph, disabled);
  }
};

TEST(BackendPasses, VerificationFailureNamesThePass) {
  TestBackend be;
  constexpr BackendPass<TestState> kTable[] = {
      {"harmless", "does nothing", harmless},
      {"break_graph", "reads a value nothing produces", break_graph},
      {"harmless_after", "never reached", harmless},
  };
  auto r = be.run(kTable);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("graph invalid after cpu backend pass break_graph"),
            std::string::npos)
      << r.status().message();
  EXPECT_EQ(be.state.ran, (std::vector<std::string>{"harmless", "break_graph"}));
}

TEST(BackendPasses, PassErrorNamesThePass) {
  TestBackend be;
  constexpr BackendPass<TestState> kTable[] = {{"failing", "always fails", failing}};
  auto r = be.run(kTable);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(r.status().to_string().find("cpu backend pass failing"), std::string::npos)
      << r.status().to_string();
}

TEST(BackendPasses, DisabledPassesAreSkippedAndRecordsFollowTheTable) {
  TestBackend be;
  // The test table reuses a registered name so that --disable-pass accepts it.
  constexpr BackendPass<TestState> kTable[] = {
      {"fuse_for_cpu", "stands in for a registered pass", break_graph},
      {"harmless", "does nothing", harmless},
  };
  auto r = be.run(kTable, {"fuse_for_cpu"});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(be.state.ran, (std::vector<std::string>{"harmless"}));
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].name, "harmless");
}

}  // namespace
}  // namespace actrt::passes
