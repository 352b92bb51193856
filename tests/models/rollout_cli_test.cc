// `actrt build --policy` and `actrt rollout` on act-tiny through the CLI.
#include <filesystem>

#include <gtest/gtest.h>

#include "cli_test_util.h"

namespace actrt::test {
namespace {

class RolloutCliTest : public ActTinyCliTest {
 protected:
  std::string engine() { return (dir_ / "tiny.policy.engine").string(); }
  std::string data() { return source_dir() + "/models/act-tiny/eval"; }
  void build_policy() {
    auto r = run("build " + model() + " --policy --threads 1 --save-engine " + engine());
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
};

TEST_F(RolloutCliTest, BuildsAPolicyEngineAndInspectShowsTheContract) {
  build_policy();
  auto r = run("inspect " + engine());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Policy contract:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("top, left_wrist (in this order; inputs u8 96x128x3, rgb8)"), std::string::npos);
  auto j = run("inspect " + engine() + " --format json");
  EXPECT_NE(j.output.find("\"policy\": {"), std::string::npos);
}

TEST_F(RolloutCliTest, RolloutReportsLatencyAndL1AndWritesFiles) {
  build_policy();
  const std::string report = (dir_ / "report").string(), actions = (dir_ / "actions").string();
  auto r = run("rollout " + engine() + " --data " + data() + " --rate 0 --episodes 0,2 --temporal-ensemble 0.01 "
               "--threads 1 --report " + report + " --save-actions " + actions);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Steps: 64 in 2 episode(s), 64 engine queries"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("L1 of executed to recorded actions (robot units): mean 0.0"), std::string::npos) << r.output;
  for (const char* f : {"rollout.md", "rollout.json", "latency_histogram.svg", "trajectory_joint5.svg"})
    EXPECT_TRUE(std::filesystem::exists(report + "/" + f)) << f;
  EXPECT_TRUE(std::filesystem::exists(actions + "/episode_0.npz"));
  EXPECT_TRUE(std::filesystem::exists(actions + "/episode_2.npz"));
  EXPECT_FALSE(std::filesystem::exists(actions + "/episode_1.npz"));
  // A second run does not overwrite without --force.
  auto again = run("rollout " + engine() + " --data " + data() + " --rate 0 --report " + report);
  EXPECT_EQ(again.exit_code, 2) << again.output;
  EXPECT_NE(again.output.find("exists; pass --force"), std::string::npos) << again.output;
  auto forced = run("rollout " + engine() + " --data " + data() + " --rate 0 --threads 1 --report " + report + " --force");
  EXPECT_EQ(forced.exit_code, 0) << forced.output;
}

TEST_F(RolloutCliTest, ChunkedRolloutQueriesEveryChunkSteps) {
  build_policy();
  auto r = run("rollout " + engine() + " --data " + data() + " --episodes 1 --chunk-steps 10 --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Steps: 32 in 1 episode(s), 4 engine queries"), std::string::npos) << r.output;
}

TEST_F(RolloutCliTest, MistakesAreRefusedClearly) {
  auto plain = run("build " + model() + " --save-engine " + (dir_ / "plain.engine").string());
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  auto r = run("rollout " + (dir_ / "plain.engine").string() + " --data " + data());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("not a policy engine"), std::string::npos) << r.output;
  auto cams = run("build " + model() + " --policy --cameras top --save-engine " + engine());
  EXPECT_NE(cams.exit_code, 0);
  EXPECT_NE(cams.output.find("does not match the policy contract"), std::string::npos) << cams.output;
  auto qpos = run("build " + model() + " --policy --cameras qpos,top --save-engine " + engine());
  EXPECT_NE(qpos.exit_code, 0);
  EXPECT_NE(qpos.output.find("qpos input's name"), std::string::npos) << qpos.output;
  auto stats = run("build " + model() + " --policy --stats " + (dir_ / "none.json").string() + " --save-engine " + engine());
  EXPECT_NE(stats.exit_code, 0);
  EXPECT_NE(stats.output.find("none.json does not exist"), std::string::npos) << stats.output;
  auto fmt = run("build " + model() + " --camera-format bgr8 --save-engine " + engine());
  EXPECT_NE(fmt.output.find("--camera-format is only used with --policy"), std::string::npos) << fmt.output;
  build_policy();
  auto both = run("rollout " + engine() + " --data " + data() + " --temporal-ensemble 0.01 --chunk-steps 5");
  EXPECT_NE(both.output.find("exclusive"), std::string::npos) << both.output;
  auto ep = run("rollout " + engine() + " --data " + data() + " --episodes 9");
  EXPECT_NE(ep.output.find("episode 9 does not exist (the data has 4)"), std::string::npos) << ep.output;
}

}  // namespace
}  // namespace actrt::test
