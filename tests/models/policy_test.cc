// actrt::Policy on act-tiny (CPU): frames and qpos in, actions out; every bad input refused.
#include "actrt/policy.h"

#include <cmath>
#include <filesystem>
#include <vector>

#include <gtest/gtest.h>

#include "act_tiny_fixture.h"
#include "actrt/engine.h"
#include "data/act_episodes.h"

namespace actrt::test {
namespace {

PolicyContract act_tiny_contract() {
  PolicyContract c;
  c.cameras = {"top", "left_wrist"};
  auto stats = data::load_norm_stats(std::string(ACTRT_SOURCE_DIR) + "/models/act-tiny/stats.json");
  EXPECT_TRUE(stats.ok()) << stats.status().to_string();
  c.qpos_mean = stats->qpos_mean;
  c.qpos_std = stats->qpos_std;
  c.action_mean = stats->action_mean;
  c.action_std = stats->action_std;
  return c;  // sizes come from the model
}

std::shared_ptr<Engine> build(PolicyContract contract) {
  NetworkOptions o;
  o.policy = std::move(contract);
  auto net = network_from_onnx_path(kActTinyModel, o);
  EXPECT_TRUE(net.ok()) << net.status().to_string();
  BuilderConfig config;
  config.threads = 1;
  auto engine = engine_from_network(*net, config);
  EXPECT_TRUE(engine.ok()) << engine.status().to_string();
  return *engine;
}

class PolicyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists(kActTinyModel)) return;
    engine_ = build(act_tiny_contract());
  }
  void SetUp() override {
    if (!engine_) GTEST_SKIP() << kActTinyModel << " not present";
    for (int c = 0; c < 2; ++c) {
      pixels_[c].resize(96 * 128 * 3);
      for (size_t i = 0; i < pixels_[c].size(); ++i) pixels_[c][i] = static_cast<uint8_t>((i * 7 + c * 31) % 251);
    }
  }
  std::vector<Frame> frames() const {
    return {{pixels_[0].data(), 96, 128}, {pixels_[1].data(), 96, 128}};
  }
  std::unique_ptr<Policy> make(PolicyOptions o = {}) {
    auto p = Policy::create(engine_, o);
    EXPECT_TRUE(p.ok()) << p.status().to_string();
    return p.ok() ? std::move(*p) : nullptr;
  }
  // The error of one step with `frames` / `qpos`, expected to mention `expected`.
  void expect_step_error(std::vector<Frame> f, std::vector<float> q, const std::string& expected) {
    auto p = make();
    auto r = p->step(f, q);
    ASSERT_FALSE(r.ok()) << "expected: " << expected;
    EXPECT_NE(r.status().message().find(expected), std::string::npos) << r.status().message();
    EXPECT_EQ(p->counters().refused, 1);
  }

  static inline std::shared_ptr<Engine> engine_;
  std::vector<uint8_t> pixels_[2];
  std::vector<float> qpos_ = {0.0f, 1.2f, -1.8f, -1.0f, -0.1f, 0.7f};
};

TEST_F(PolicyTest, EngineCarriesTheContract) {
  auto c = policy_contract_of(*engine_);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->cameras, (std::vector<std::string>{"top", "left_wrist"}));
  EXPECT_EQ(c->image_height, 96);
  EXPECT_EQ(c->image_width, 128);
  EXPECT_EQ(c->chunk_size, 20);
  EXPECT_EQ(c->state_dim, 6);
  const auto in = engine_->inputs();
  ASSERT_EQ(in.size(), 3u);
  EXPECT_EQ(in[0].name, "top");
  EXPECT_EQ(in[0].dtype, DataType::kUInt8);
  EXPECT_EQ(in[0].shape, (Shape{96, 128, 3}));
  EXPECT_EQ(in[2].name, "qpos");
  EXPECT_EQ(engine_->outputs()[0].shape, (Shape{20, 6}));
  // The contract survives the engine file.
  auto bytes = engine_->serialize();
  ASSERT_TRUE(bytes.ok());
  auto p = Policy::from_bytes(*bytes);
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ((*p)->contract().qpos_std, c->qpos_std);
}

TEST_F(PolicyTest, ChunkedModeQueriesEveryChunkAndPlaysItsRows) {
  auto p = make();
  EXPECT_EQ(p->mode(), PolicyOptions::Mode::kChunked);
  EXPECT_EQ(p->chunk_steps(), 20);
  auto chunk = p->predict_chunk(frames(), qpos_);
  ASSERT_TRUE(chunk.ok()) << chunk.status().to_string();
  const std::vector<float> expected(chunk->begin(), chunk->end());
  for (int t = 0; t < 25; ++t) {
    auto s = p->step(frames(), qpos_);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    EXPECT_EQ(s->queried, t % 20 == 0) << t;
    for (int d = 0; d < 6; ++d) EXPECT_EQ(s->action[d], expected[static_cast<size_t>((t % 20) * 6 + d)]) << t;
  }
  EXPECT_EQ(p->counters().queries, 2);
  p->reset();
  EXPECT_EQ(p->episode_step(), 0);
  auto s = p->step(frames(), qpos_);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->queried);
}

TEST_F(PolicyTest, StridedFramesAndFrameBuffersGiveTheSameChunk) {
  auto p = make();
  auto packed = p->predict_chunk(frames(), qpos_);
  ASSERT_TRUE(packed.ok());
  const std::vector<float> want(packed->begin(), packed->end());
  // The same pixels in rows of 400 bytes (a camera driver's padded rows).
  std::vector<uint8_t> wide[2];
  std::vector<Frame> strided;
  for (int c = 0; c < 2; ++c) {
    wide[c].assign(96 * 400, 0xEE);
    for (int r = 0; r < 96; ++r) std::copy_n(pixels_[c].data() + r * 384, 384, wide[c].data() + r * 400);
    strided.push_back({wide[c].data(), 96, 128, 3, 400});
  }
  auto s = p->predict_chunk(strided, qpos_);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(std::vector<float>(s->begin(), s->end()), want);
  // Written straight into the policy's buffers.
  auto q = make();
  std::copy(pixels_[0].begin(), pixels_[0].end(), q->frame_buffer("top"));
  std::copy(pixels_[1].begin(), pixels_[1].end(), q->frame_buffer("left_wrist"));
  EXPECT_EQ(q->frame_buffer("right"), nullptr);
  auto step = q->step(qpos_);
  ASSERT_TRUE(step.ok()) << step.status().to_string();
  EXPECT_EQ(std::vector<float>(step->action.begin(), step->action.end()), std::vector<float>(want.begin(), want.begin() + 6));
}

TEST_F(PolicyTest, BadInputsAreRefusedNamingTheCamera) {
  auto f = frames();
  expect_step_error({f[0]}, qpos_, "missing 'left_wrist'");
  auto null = f;
  null[1].data = nullptr;
  expect_step_error(null, qpos_, "camera 'left_wrist': the frame's data is null");
  auto small = f;
  small[0].height = 95;
  expect_step_error(small, qpos_, "camera 'top': frame is 95x128 (HxW), the policy expects 96x128");
  auto gray = f;
  gray[0].channels = 1;
  expect_step_error(gray, qpos_, "camera 'top': frame has 1 channels, the policy expects 3");
  auto stride = f;
  stride[1].row_stride = 100;
  expect_step_error(stride, qpos_, "camera 'left_wrist': row stride 100 bytes is less than a row (384 bytes)");
  auto device = f;
  device[0].memory = Frame::Memory::kDevice;
  expect_step_error(device, qpos_, "camera 'top': a device frame was given to a cpu policy engine");
  expect_step_error(f, {1.f, 2.f}, "qpos has 2 values, the policy expects state_dim = 6");
  auto nan = qpos_;
  nan[3] = std::nanf("");
  expect_step_error(f, nan, "qpos[3] is nan (not finite): no action");
}

TEST_F(PolicyTest, OptionsThatCannotWorkAreRefused) {
  PolicyOptions clamp;
  clamp.clamp_actions = true;
  auto p = Policy::create(engine_, clamp);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("action_min / action_max"), std::string::npos);
  PolicyOptions steps;
  steps.chunk_steps = 21;
  EXPECT_FALSE(Policy::create(engine_, steps).ok());
  // A plain engine is not a policy.
  auto net = network_from_onnx_path(kActTinyModel);
  ASSERT_TRUE(net.ok());
  auto plain = engine_from_network(*net, {});
  ASSERT_TRUE(plain.ok());
  auto refused = Policy::create(*plain);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("actrt build MODEL --policy"), std::string::npos);
}

TEST_F(PolicyTest, ClampsToTheActionRangeAndCountsIt) {
  PolicyContract c = act_tiny_contract();
  c.action_min.assign(6, -0.5f);
  c.action_max.assign(6, 0.5f);
  auto engine = build(c);
  PolicyOptions o;
  o.clamp_actions = true;
  auto p = Policy::create(engine, o);
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  auto s = (*p)->step(frames(), qpos_);
  ASSERT_TRUE(s.ok());
  for (float v : s->action) EXPECT_TRUE(v >= -0.5f && v <= 0.5f) << v;
  EXPECT_GT(s->clamped, 0);  // act-tiny's joint 1 is around 1.3
  EXPECT_EQ((*p)->counters().clamped_values, s->clamped);
}

TEST_F(PolicyTest, NonFiniteActionsAreAnErrorNotAnAction) {
  PolicyContract c = act_tiny_contract();
  c.action_std.assign(6, 3e38f);  // finite statistics whose product overflows
  auto p = Policy::create(build(c));
  ASSERT_TRUE(p.ok());
  auto s = (*p)->step(frames(), qpos_);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("non-finite action"), std::string::npos) << s.status().message();
}

TEST_F(PolicyTest, ContractThatDoesNotFitTheModelIsRefused) {
  PolicyContract c = act_tiny_contract();
  c.cameras = {"top"};
  NetworkOptions o;
  o.policy = c;
  auto net = network_from_onnx_path(kActTinyModel, o);
  ASSERT_FALSE(net.ok());
  EXPECT_NE(net.status().message().find("expected f32 1x1x3x96x128"), std::string::npos) << net.status().message();
  c = act_tiny_contract();
  c.chunk_size = 50;
  o.policy = c;
  net = network_from_onnx_path(kActTinyModel, o);
  ASSERT_FALSE(net.ok());
  EXPECT_NE(net.status().message().find("chunk_size 50"), std::string::npos) << net.status().message();
}

TEST_F(PolicyTest, TwoPoliciesShareOneEngine) {
  auto a = make();
  PolicyOptions te;
  te.mode = PolicyOptions::Mode::kTemporalEnsemble;
  auto b = make(te);
  for (int t = 0; t < 3; ++t) {
    auto sa = a->step(frames(), qpos_);
    auto sb = b->step(frames(), qpos_);
    ASSERT_TRUE(sa.ok() && sb.ok());
    EXPECT_TRUE(sb->queried);
    if (t == 0) {
      EXPECT_EQ(std::vector<float>(sa->action.begin(), sa->action.end()),
                std::vector<float>(sb->action.begin(), sb->action.end()));
    }
  }
  EXPECT_EQ(a->counters().queries, 1);
  EXPECT_EQ(b->counters().queries, 3);
}

}  // namespace
}  // namespace actrt::test
