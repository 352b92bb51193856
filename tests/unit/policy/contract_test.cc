#include "policy/contract_json.h"

#include <gtest/gtest.h>

namespace actrt::policy {
namespace {

PolicyContract valid_contract() {
  PolicyContract c;
  c.cameras = {"top", "wrist"};
  c.image_height = 48;
  c.image_width = 64;
  c.state_dim = c.action_dim = 2;
  c.chunk_size = 10;
  c.qpos_mean = {0.1f, 0.2f};
  c.qpos_std = {1.f, 0.5f};
  c.action_mean = {0.3f, -0.1f};
  c.action_std = {0.25f, 2.f};
  c.action_min = {-1.f, -2.f};
  c.action_max = {1.f, 2.f};
  return c;
}

TEST(PolicyContract, JsonRoundTripIsExactAndStable) {
  PolicyContract c = valid_contract();
  c.camera_format = CameraFormat::kBgr8;
  c.temporal_ensemble_coeff = 0.01;
  c.norm_eps = 1e-8f;
  c.source = "lerobot";
  c.n_action_steps = 5;
  const std::string text = dump_json(contract_to_json(c), 0);
  auto back = contract_from_text(text, "test");
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->cameras, c.cameras);
  EXPECT_EQ(back->camera_format, CameraFormat::kBgr8);
  EXPECT_EQ(back->qpos_std, c.qpos_std);
  EXPECT_EQ(back->action_max, c.action_max);
  EXPECT_EQ(back->norm_eps, c.norm_eps);
  EXPECT_EQ(back->temporal_ensemble_coeff, c.temporal_ensemble_coeff);
  EXPECT_EQ(back->n_action_steps, 5);
  EXPECT_EQ(back->source, "lerobot");
  EXPECT_EQ(dump_json(contract_to_json(*back), 0), text);
}

// validate() on a copy of the valid contract changed by `edit`: the error mentions `expected`.
void expect_refused(void (*edit)(PolicyContract&), const std::string& expected) {
  PolicyContract c = valid_contract();
  edit(c);
  Status s = c.validate();
  ASSERT_FALSE(s.ok()) << "expected an error mentioning " << expected;
  EXPECT_NE(s.message().find(expected), std::string::npos) << s.message();
}

TEST(PolicyContract, RefusesWhatCannotWork) {
  expect_refused([](PolicyContract& c) { c.cameras = {}; }, "no cameras");
  expect_refused([](PolicyContract& c) { c.cameras = {"top", "top"}; }, "listed twice");
  expect_refused([](PolicyContract& c) { c.cameras = {"qpos"}; }, "qpos input");
  expect_refused([](PolicyContract& c) { c.image_height = 0; }, "'image_height' = 0");
  expect_refused([](PolicyContract& c) { c.chunk_size = 1 << 20; }, "'chunk_size'");
  expect_refused([](PolicyContract& c) { c.qpos_std = {1.f, 0.f}; }, "'qpos_std'[1]");
  expect_refused([](PolicyContract& c) { c.qpos_mean = {1.f}; }, "'qpos_mean' has 1 values, expected 2");
  expect_refused([](PolicyContract& c) { c.action_mean[1] = std::nanf(""); }, "'action_mean'[1] is not finite");
  expect_refused([](PolicyContract& c) { c.action_min[0] = 5.f; }, "'action_min'[0]");
  expect_refused([](PolicyContract& c) { c.action_max = {}; }, "come together");
  expect_refused([](PolicyContract& c) { c.state_normalization = Normalization::kMinMax; }, "'qpos_min'");
  expect_refused([](PolicyContract& c) { c.n_action_steps = 11; }, "'n_action_steps' = 11");
  expect_refused([](PolicyContract& c) { c.norm_eps = -1; }, "'norm_eps'");
}

TEST(PolicyContract, JsonErrorsNameTheField) {
  auto bad = contract_from_text(R"({"cameras": ["a"], "image_height": "96"})", "engine metadata");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'image_height': expected an integer, found string"), std::string::npos)
      << bad.status().message();
  auto newer = contract_from_text(R"({"format": 99, "cameras": ["a"]})", "x");
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.status().code(), StatusCode::kVersionMismatch);
  auto mode = contract_from_text(R"({"cameras": ["a"], "state_normalization": "zscore"})", "x");
  ASSERT_FALSE(mode.ok());
  EXPECT_NE(mode.status().message().find("unknown normalization 'zscore'"), std::string::npos);
}

TEST(PolicyContract, CameraIndex) {
  const PolicyContract c = valid_contract();
  EXPECT_EQ(c.camera_index("wrist"), 1);
  EXPECT_EQ(c.camera_index("left"), -1);
}

}  // namespace
}  // namespace actrt::policy
