// Backend contract versions in engine files: the builder records the backend's version, loading
// accepts the same version and files without one (version 1), and refuses another version with a
// message that names the file, the backend, both versions and says to rebuild.
#include "runtime/backend_contract.h"

#include <gtest/gtest.h>

#include "actrt/engine.h"
#include "engine/builder.h"
#include "engine/serialize.h"

namespace actrt::runtime {
namespace {

class VersionedBackend final : public Backend {
 public:
  explicit VersionedBackend(int version) : version_(version) {}
  BackendKind kind() const override { return BackendKind::kCuda; }
  Status available() const override { return ok_status(); }
  std::string current_target() const override { return "test"; }
  Status check_target(std::string_view) const override { return ok_status(); }
  int contract_version() const override { return version_; }
  std::string unsupported_reason(const ir::Node&) const override { return ""; }
  Status compile(Plan&, const BuilderConfig&) const override { return ok_status(); }
  Result<std::unique_ptr<ExecutionContext>> create_context(const Plan&,
                                                           const ContextOptions&) const override {
    return unsupported("test backend");
  }

 private:
  int version_;
};

TEST(BackendContract, RecordedVersionIsAccepted) {
  Plan plan;
  VersionedBackend v3(3);
  record_contract_version(v3, plan);
  EXPECT_EQ(plan.metadata.at(kBackendContractKey), "3");
  EXPECT_TRUE(check_contract_version(plan, v3, "a.engine").ok());
}

TEST(BackendContract, PlanWithoutTheKeyIsVersionOne) {
  Plan plan;
  EXPECT_TRUE(check_contract_version(plan, VersionedBackend(1), "old.engine").ok());
  const Status s = check_contract_version(plan, VersionedBackend(2), "old.engine");
  EXPECT_EQ(s.code(), StatusCode::kVersionMismatch);
  EXPECT_NE(s.message().find("version 1"), std::string::npos) << s.message();
}

TEST(BackendContract, OtherVersionIsRefusedSayingWhatToDo) {
  Plan plan;
  plan.metadata[kBackendContractKey] = "2";
  const Status s = check_contract_version(plan, VersionedBackend(1), "models/act.engine");
  EXPECT_EQ(s.code(), StatusCode::kVersionMismatch);
  for (const char* part : {"models/act.engine", "cuda backend contract version 2",
                           "reads version 1", "rebuild the engine"})
    EXPECT_NE(s.message().find(part), std::string::npos) << part << " in: " << s.message();
}

TEST(BackendContract, UnreadableVersionIsAnInvalidFile) {
  for (const char* text : {"", "one", "1x", "0", "-1"}) {
    Plan plan;
    plan.metadata[kBackendContractKey] = text;
    const Status s = check_contract_version(plan, VersionedBackend(1), "bad.engine");
    EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << "'" << text << "'";
    EXPECT_NE(s.message().find("bad.engine: metadata 'backend_contract'"), std::string::npos)
        << s.message();
  }
}

// Through the builder and the engine file, on the CPU backend (skipped where it is not built).
class CpuEngineContract : public ::testing::Test {
 protected:
  void SetUp() override {
    cpu_ = find_backend(BackendKind::kCpu);
    if (!cpu_) GTEST_SKIP() << "CPU backend not built";
    ir::Value* x = graph_.add_value("x");
    x->set_dtype(DataType::kFloat32);
    x->set_shape({2, 3});
    graph_.inputs().push_back(x);
    ir::Value* y = graph_.add_value("y");
    y->set_dtype(DataType::kFloat32);
    y->set_shape({2, 3});
    graph_.add_node("relu0", "Relu", {x}, {y});
    graph_.outputs().push_back(y);
  }
  // The engine file of the graph with the stored version replaced ("": removed).
  std::string engine_bytes(const std::string& stored) {
    auto plan = engine::build_plan(graph_, BuilderConfig{});
    EXPECT_TRUE(plan.ok()) << plan.status().to_string();
    if (!plan.ok()) return "";
    EXPECT_EQ((*plan)->metadata.at(kBackendContractKey),
              std::to_string(cpu_->contract_version()));
    if (stored.empty())
      (*plan)->metadata.erase(kBackendContractKey);
    else
      (*plan)->metadata[kBackendContractKey] = stored;
    auto bytes = engine::serialize_plan(**plan);
    EXPECT_TRUE(bytes.ok()) << bytes.status().to_string();
    return bytes.ok() ? *bytes : "";
  }

  const Backend* cpu_ = nullptr;
  ir::Graph graph_;
};

TEST_F(CpuEngineContract, CurrentAndUnversionedEnginesLoad) {
  auto current = engine_from_bytes(engine_bytes(std::to_string(cpu_->contract_version())), "a");
  EXPECT_TRUE(current.ok()) << current.status().to_string();
  auto unversioned = engine_from_bytes(engine_bytes(""), "old.engine");
  EXPECT_TRUE(unversioned.ok()) << unversioned.status().to_string();
}

TEST_F(CpuEngineContract, OtherVersionIsRefusedOnLoad) {
  const std::string stored = std::to_string(cpu_->contract_version() + 1);
  auto e = engine_from_bytes(engine_bytes(stored), "future.engine");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kVersionMismatch);
  EXPECT_NE(e.status().message().find("future.engine: engine built for cpu backend contract "
                                      "version " + stored),
            std::string::npos)
      << e.status().message();
}

}  // namespace
}  // namespace actrt::runtime
