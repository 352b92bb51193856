#include "passes/batch_shared_branches.h"

#include <filesystem>

#include "../../models/act_tiny_fixture.h"
#include "actrt/network.h"
#include "data/npz.h"
#include "pass_test_util.h"
#include "passes/pass_manager.h"

namespace actrt::passes {
namespace {
using namespace testing;

constexpr int64_t kC = 4, kH = 6, kW = 8;

ir::AttributeMap conv_attrs() {
  return {{"pads", attr_is({1, 1, 1, 1})}, {"strides", attr_is({1, 1})},
          {"kernel_shape", attr_is({3, 3})}};
}
ir::AttributeMap pool_attrs(int64_t stride = 2) {
  return {{"kernel_shape", attr_is({2, 2})}, {"strides", attr_is({stride, stride})}};
}

struct Shared {
  ir::Value* w1;
  ir::Value* b1;
  ir::Value* w2;
  ir::Value* b2;
};

Shared shared_weights(Builder& b) {
  return {b.weight("w1", {kC, kC, 3, 3}, 11), b.weight("b1", {kC}, 12),
          b.weight("w2", {kC, kC, 3, 3}, 13), b.weight("b2", {kC}, 14)};
}

// Conv+Relu+Conv+Add(residual)+MaxPool on camera `cam` of `image` [1,ncam,C,H,W].
ir::Value* branch(Builder& b, ir::Value* image, int64_t cam, const Shared& w,
                  ir::AttributeMap pool = pool_attrs(), ir::Value** relu_out = nullptr) {
  const std::string p = "cam" + std::to_string(cam);
  ir::Value* x = b.op("Gather", p + "_gather",
                      {image, b.constant(p + "_index", i64_tensor({}, {cam}))},
                      {{"axis", attr_i(1)}});
  ir::Value* c1 = b.op("Conv", p + "_conv1", {x, w.w1, w.b1}, conv_attrs());
  ir::Value* r = b.op("Relu", p + "_relu", {c1});
  if (relu_out) *relu_out = r;
  ir::Value* c2 = b.op("Conv", p + "_conv2", {r, w.w2, w.b2}, conv_attrs());
  ir::Value* a = b.op("Add", p + "_add", {c2, x});
  return b.op("MaxPool", p + "_pool", {a}, std::move(pool));
}

void check_batched_convs(const ir::Graph& g, int64_t batch) {
  for (const auto& n : g.nodes())
    if (n->op_type() == "Conv") {
      EXPECT_EQ(n->output(0)->shape()[0], batch) << n->name();
    }
}

TEST(BatchSharedBranchesPassTest, ThreeCamerasRunAsOneBatchOfThree) {
  Builder b;
  ir::Value* image = b.input("image", {1, 3, kC, kH, kW});
  Shared w = shared_weights(b);
  std::vector<ir::Value*> outs;
  for (int64_t cam = 0; cam < 3; ++cam) outs.push_back(branch(b, image, cam, w));
  b.output(b.op("Concat", "concat", outs, {{"axis", attr_i(-1)}}));
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, batch_shared_branches);
  EXPECT_EQ(run.report.rewrites, 5);
  EXPECT_EQ(count_ops(g, "Conv"), 2);
  EXPECT_EQ(count_ops(g, "Relu"), 1);
  EXPECT_EQ(count_ops(g, "Add"), 1);
  EXPECT_EQ(count_ops(g, "MaxPool"), 1);
  EXPECT_EQ(count_ops(g, "Reshape"), 1);  // image [1,3,C,H,W] -> [3,C,H,W], no Concat
  EXPECT_EQ(count_ops(g, "Concat"), 1);   // the model's own
  EXPECT_EQ(count_ops(g, "Slice"), 3);    // one per camera, before the width Concat
  check_batched_convs(g, 3);
  // Pipeline fixed point: a second run changes nothing.
  auto again = batch_shared_branches(g);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->rewrites, 0);
}

TEST(BatchSharedBranchesPassTest, EqualConstantDataInDistinctValuesIsShared) {
  Builder b;
  ir::Value* image = b.input("image", {1, 2, kC, kH, kW});
  std::vector<ir::Value*> outs;
  for (int64_t cam = 0; cam < 2; ++cam) outs.push_back(branch(b, image, cam, shared_weights(b)));
  b.output(b.op("Concat", "concat", outs, {{"axis", attr_i(3)}}));
  ir::Graph& g = b.graph();
  run_pass_checked(g, batch_shared_branches);
  EXPECT_EQ(count_ops(g, "Conv"), 2);
  check_batched_convs(g, 2);
}

TEST(BatchSharedBranchesPassTest, SlicedCamerasOutOfOrderAreConcatenated) {
  // Cameras 2 and 0 of 3, taken by Slice + Squeeze: not the whole image in order, so the batch
  // is a Concat of the two slices (camera 0 first).
  Builder b;
  ir::Value* image = b.input("image", {1, 3, kC, kH, kW});
  Shared w = shared_weights(b);
  std::vector<ir::Value*> outs;
  for (int64_t cam : {2, 0}) {
    const std::string p = "cam" + std::to_string(cam);
    ir::Value* s = b.op("Slice", p + "_slice",
                        {image, b.ints(p + "_s", {cam}), b.ints(p + "_e", {cam + 1}),
                         b.ints(p + "_a", {1})});
    ir::Value* x = b.op("Squeeze", p + "_squeeze", {s, b.ints(p + "_sq", {1})});
    ir::Value* c = b.op("Conv", p + "_conv", {x, w.w1, w.b1}, conv_attrs());
    outs.push_back(b.op("Relu", p + "_relu", {c}));
  }
  b.output(b.op("Concat", "concat", outs, {{"axis", attr_i(3)}}));
  ir::Graph& g = b.graph();
  run_pass_checked(g, batch_shared_branches);
  EXPECT_EQ(count_ops(g, "Conv"), 1);
  EXPECT_EQ(count_ops(g, "Concat"), 2);
  EXPECT_EQ(count_ops(g, "Reshape"), 0);
  check_batched_convs(g, 2);
}

TEST(BatchSharedBranchesPassTest, DifferentWeightsAreNotBatched) {
  Builder b;
  ir::Value* image = b.input("image", {1, 3, kC, kH, kW});
  Shared w = shared_weights(b);
  Shared other = w;
  other.w1 = b.weight("w1_other", {kC, kC, 3, 3}, 99);
  std::vector<ir::Value*> outs;
  for (int64_t cam = 0; cam < 3; ++cam) outs.push_back(branch(b, image, cam, cam == 1 ? other : w));
  b.output(b.op("Concat", "concat", outs, {{"axis", attr_i(3)}}));
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, batch_shared_branches);
  EXPECT_EQ(run.report.rewrites, 0);
  EXPECT_EQ(count_ops(g, "Conv"), 6);
  check_batched_convs(g, 1);
}

TEST(BatchSharedBranchesPassTest, DifferentAttributesEndTheBatch) {
  // Camera 2 pools with stride 1: the convs are batched, the pools are not.
  Builder b;
  ir::Value* image = b.input("image", {1, 3, kC, kH, kW});
  Shared w = shared_weights(b);
  std::vector<ir::Value*> outs;
  for (int64_t cam = 0; cam < 3; ++cam)
    outs.push_back(b.op("Flatten", "flat" + std::to_string(cam),
                        {branch(b, image, cam, w, pool_attrs(cam == 2 ? 1 : 2))}));
  b.output(b.op("Concat", "concat", outs, {{"axis", attr_i(1)}}));
  ir::Graph& g = b.graph();
  run_pass_checked(g, batch_shared_branches);
  EXPECT_EQ(count_ops(g, "Conv"), 2);
  EXPECT_EQ(count_ops(g, "MaxPool"), 3);
  EXPECT_EQ(count_ops(g, "Slice"), 3);
  check_batched_convs(g, 3);
}

TEST(BatchSharedBranchesPassTest, ExtraReaderInTheMiddleGetsItsSlice) {
  // Camera 1's Relu is also a graph output and read by a Sigmoid: it is sliced out of the
  // batch (keeping its name) and the batch goes on.
  Builder b;
  ir::Value* image = b.input("image", {1, 3, kC, kH, kW});
  Shared w = shared_weights(b);
  std::vector<ir::Value*> outs;
  ir::Value* relu1 = nullptr;
  for (int64_t cam = 0; cam < 3; ++cam)
    outs.push_back(branch(b, image, cam, w, pool_attrs(), cam == 1 ? &relu1 : nullptr));
  b.output(b.op("Concat", "concat", outs, {{"axis", attr_i(3)}}));
  b.output(relu1);
  b.output(b.op("Sigmoid", "side", {relu1}));
  ir::Graph& g = b.graph();
  run_pass_checked(g, batch_shared_branches);
  EXPECT_EQ(count_ops(g, "Conv"), 2);
  EXPECT_EQ(count_ops(g, "Slice"), 4);
  EXPECT_EQ(g.outputs()[1]->name(), "cam1_relu");
  EXPECT_EQ(g.outputs()[1]->producer()->op_type(), "Slice");
  EXPECT_EQ(g.outputs()[1]->shape(), (Shape{1, kC, kH, kW}));
  check_batched_convs(g, 3);
}

TEST(BatchSharedBranchesPassTest, ChainsWithoutConvStay) {
  Builder b;
  ir::Value* image = b.input("image", {1, 2, kC, kH, kW});
  std::vector<ir::Value*> outs;
  for (int64_t cam = 0; cam < 2; ++cam) {
    const std::string p = "cam" + std::to_string(cam);
    ir::Value* x = b.op("Gather", p + "_gather",
                        {image, b.constant(p + "_index", i64_tensor({}, {cam}))},
                        {{"axis", attr_i(1)}});
    outs.push_back(b.op("Relu", p + "_relu", {x}));
  }
  b.output(b.op("Concat", "concat", outs, {{"axis", attr_i(3)}}));
  ir::Graph& g = b.graph();
  auto run = run_pass_checked(g, batch_shared_branches);
  EXPECT_EQ(run.report.rewrites, 0);
  EXPECT_EQ(count_ops(g, "Relu"), 2);
}

TEST(BatchSharedBranchesPassTest, DefaultPipelineBatchesAndStaysCorrect) {
  Builder b;
  ir::Value* image = b.input("image", {1, 3, kC, kH, kW});
  Shared w = shared_weights(b);
  std::vector<ir::Value*> outs;
  for (int64_t cam = 0; cam < 3; ++cam) outs.push_back(branch(b, image, cam, w));
  b.output(b.op("Concat", "concat", outs, {{"axis", attr_i(3)}}));
  ir::Graph& g = b.graph();
  ASSERT_TRUE(infer_shapes(g).ok());
  auto before = g.clone();
  auto records = optimize(g);
  ASSERT_TRUE(records.ok()) << records.status().to_string();
  EXPECT_EQ(count_ops(g, "Conv"), 2);
  EXPECT_EQ(count_ops(g, "Gather"), 0);  // dead after the Reshape, removed
  check_batched_convs(g, 3);
  expect_same_outputs(*before, g);
}

// act-tiny (2 cameras) through the whole pipeline: one backbone + input_proj over a batch of
// ncam, still matching PyTorch.
TEST(BatchSharedBranchesPassTest, ActTinyBackboneRunsOnceAndMatchesPyTorch) {
  namespace fs = std::filesystem;
  if (!fs::exists(test::kActTinyModel) || !fs::exists(test::kActTinyIo))
    GTEST_SKIP() << test::kActTinyModel << " not present";
  NetworkOptions without;
  without.disabled_passes = {"batch_shared_branches"};
  auto unbatched = network_from_onnx_path(test::kActTinyModel, without);
  auto batched = network_from_onnx_path(test::kActTinyModel);
  ASSERT_TRUE(unbatched.ok()) << unbatched.status().to_string();
  ASSERT_TRUE(batched.ok()) << batched.status().to_string();
  const ir::Graph& g = batched->graph();
  const ir::Value* image = nullptr;
  for (const ir::Value* v : g.inputs())
    if (v->name() == "image") image = v;
  ASSERT_NE(image, nullptr);
  const int64_t ncam = image->shape()[1];
  ASSERT_GE(ncam, 2);
  const int before = count_ops(unbatched->graph(), "Conv");
  const int after = count_ops(g, "Conv");
  EXPECT_EQ(before % ncam, 0);
  EXPECT_EQ(after, before / ncam);
  check_batched_convs(g, ncam);
  EXPECT_EQ(count_ops(g, "Gather"), count_ops(unbatched->graph(), "Gather") - ncam);

  auto io = data::read_npz(test::kActTinyIo);
  ASSERT_TRUE(io.ok()) << io.status().to_string();
  reference::TensorMap feeds = {{"qpos", io->at("qpos")}, {"image", io->at("image")}};
  auto out = reference::Executor(g).run(feeds);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  const Tensor& actions = out->at("actions");
  const Tensor& expected = io->at("actions");
  ASSERT_EQ(actions.shape(), expected.shape());
  EXPECT_LT(test::relative_max_error(actions, expected), 1e-4);
  auto ref = reference::Executor(unbatched->graph()).run(feeds);
  ASSERT_TRUE(ref.ok()) << ref.status().to_string();
  EXPECT_LT(test::relative_max_error(actions, ref->at("actions")), 1e-6);
}

}  // namespace
}  // namespace actrt::passes
