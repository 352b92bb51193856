// compare/act_evaluation: masked L1 (normalized and robot units, per step), pair errors, and the
// evaluation samples of act-tiny's episodes (disjoint from the calibration samples).
#include "compare/act_evaluation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <utility>

namespace actrt::compare {
namespace {

std::string act_tiny_eval() {
  const char* dir = std::getenv("ACTRT_SOURCE_DIR");
  return std::string(dir ? dir : ACTRT_SOURCE_DIR) + "/models/act-tiny/eval";
}

// chunk 3, dim 2; step 2 padded.
ActEvaluationSet small_set() {
  ActEvaluationSet s;
  s.chunk = 3;
  s.stats.action_mean = {10, 20};
  s.stats.action_std = {2, 0.5};
  s.action.push_back(Tensor::from_vector<float>(DataType::kFloat32, {1, 3, 2}, {0, 0, 1, 1, 5, 5}));
  Tensor pad(DataType::kBool, {1, 3});  // (std::vector<bool> has no data(): fill by hand)
  pad.data<bool>()[0] = false;
  pad.data<bool>()[1] = false;
  pad.data<bool>()[2] = true;
  s.is_pad.push_back(pad);
  return s;
}

TEST(ActEvaluation, MaskedL1SkipsPaddedStepsAndDeNormalizes) {
  ActEvaluationSet s = small_set();
  // |diff| = step0: (1, 2), step1: (0, 4), step2 (padded): (100, 100).
  std::vector<Tensor> pred = {
      Tensor::from_vector<float>(DataType::kFloat32, {1, 3, 2}, {1, 2, 1, 5, 105, 105})};
  auto acc = chunk_accuracy(pred, s);
  ASSERT_TRUE(acc.ok()) << acc.status().to_string();
  EXPECT_EQ(acc->entries, 4);
  EXPECT_DOUBLE_EQ(acc->l1, (1 + 2 + 0 + 4) / 4.0);
  // Robot units: |diff| * action_std per dimension.
  EXPECT_DOUBLE_EQ(acc->l1_robot, (1 * 2 + 2 * 0.5 + 0 * 2 + 4 * 0.5) / 4.0);
  ASSERT_EQ(acc->l1_per_step.size(), 3u);
  EXPECT_DOUBLE_EQ(acc->l1_per_step[0], 1.5);
  EXPECT_DOUBLE_EQ(acc->l1_per_step[1], 2.0);
  EXPECT_TRUE(std::isnan(acc->l1_per_step[2]));  // padded in every sample
}

TEST(ActEvaluation, ShapeMismatchIsAnError) {
  ActEvaluationSet s = small_set();
  std::vector<Tensor> pred = {Tensor::from_vector<float>(DataType::kFloat32, {1, 2, 2}, {0, 0, 0, 0})};
  auto acc = chunk_accuracy(pred, s);
  ASSERT_FALSE(acc.ok());
  EXPECT_NE(acc.status().message().find("does not fit"), std::string::npos) << acc.status().message();
  EXPECT_FALSE(chunk_accuracy({}, s).ok());
}

TEST(ActEvaluation, PairErrorMaxAndMean) {
  std::vector<Tensor> a = {Tensor::from_vector<float>(DataType::kFloat32, {2}, {1, 2})};
  std::vector<Tensor> b = {Tensor::from_vector<float>(DataType::kFloat32, {2}, {1.5, -1})};
  auto e = pair_error(a, b);
  ASSERT_TRUE(e.ok());
  EXPECT_DOUBLE_EQ(e->max_abs, 3.0);
  EXPECT_DOUBLE_EQ(e->mean_abs, 1.75);
  std::vector<Tensor> c = {Tensor::from_vector<float>(DataType::kFloat32, {2}, {NAN, 2})};
  auto n = pair_error(c, b);
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(std::isnan(n->max_abs));  // a NaN must not hide behind max()
}

TEST(ActEvaluation, FindsActInputsOrListsThem) {
  auto ok = find_act_inputs({{"qpos", DataType::kFloat32, {1, 6}}, {"image", DataType::kFloat32, {1, 2, 3, 4, 4}}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->qpos, "qpos");
  EXPECT_EQ(ok->image, "image");
  auto bad = find_act_inputs({{"x", DataType::kFloat32, {1}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("x"), std::string::npos);
}

TEST(ActEvaluation, ActTinyEvaluationAndCalibrationSamplesAreDisjoint) {
  auto eps = data::ActEpisodes::open(act_tiny_eval(), {"top", "left_wrist"});
  ASSERT_TRUE(eps.ok()) << eps.status().to_string();
  ActEvaluationOptions o;
  o.seed = 1;
  o.calibration_samples = 32;
  o.evaluation_samples = 4;
  o.chunk = 20;
  auto set = load_act_evaluation(eps.value(), {"qpos", "image"}, o);
  ASSERT_TRUE(set.ok()) << set.status().to_string();
  ASSERT_EQ(set->calibration.size(), 32u);
  ASSERT_EQ(set->evaluation.size(), 4u);
  ASSERT_EQ(set->feeds.size(), 4u);
  std::set<std::pair<int64_t, int64_t>> calib;
  for (const auto& r : set->calibration) calib.insert({r.episode, r.t});
  for (const auto& r : set->evaluation) EXPECT_EQ(calib.count({r.episode, r.t}), 0u) << r.episode << "," << r.t;
  // The evaluation samples do not depend on how many are evaluated (prefix of one permutation).
  o.evaluation_samples = 2;
  auto fewer = load_act_evaluation(eps.value(), {"qpos", "image"}, o);
  ASSERT_TRUE(fewer.ok());
  EXPECT_EQ(fewer->evaluation[0], set->evaluation[0]);
  EXPECT_EQ(fewer->evaluation[1], set->evaluation[1]);
  // Feeds and ground truth have the model's shapes.
  EXPECT_EQ(set->feeds[0].at("image").shape(), (Shape{1, 2, 3, 96, 128}));
  EXPECT_EQ(set->action[0].shape(), (Shape{1, 20, 6}));
  // Asking for more samples than the folder has is an error with the counts.
  o.evaluation_samples = 1000;
  auto too_many = load_act_evaluation(eps.value(), {"qpos", "image"}, o);
  EXPECT_FALSE(too_many.ok());
}

}  // namespace
}  // namespace actrt::compare
