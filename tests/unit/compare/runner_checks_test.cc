#include <gtest/gtest.h>

#include "actrt/runner.h"

namespace actrt {
namespace {

const std::vector<TensorInfo> kInputs = {{"image", DataType::kFloat32, {1, 3, 4, 4}},
                                         {"qpos", DataType::kFloat32, {1, 14}},
                                         {"dyn", DataType::kInt64, {-1, 2}}};

TensorMap good_feed() {
  return {{"image", Tensor(DataType::kFloat32, {1, 3, 4, 4})},
          {"qpos", Tensor(DataType::kFloat32, {1, 14})},
          {"dyn", Tensor(DataType::kInt64, {5, 2})}};
}

std::string message(const TensorMap& feed) {
  Status s = check_feed("cpu-fp32", kInputs, feed);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("runner 'cpu-fp32'"), std::string::npos) << s.message();
  return s.message();
}

TEST(CompareCheckFeed, AcceptsMatchingFeedAndDynamicDims) {
  EXPECT_TRUE(check_feed("r", kInputs, good_feed()).ok());
}

TEST(CompareCheckFeed, NamesInputExpectedAndFound) {
  TensorMap f = good_feed();
  f.erase("qpos");
  EXPECT_NE(message(f).find("input 'qpos' (f32, 1x14) is missing"), std::string::npos);

  f = good_feed();
  f["qpos"] = Tensor(DataType::kFloat16, {1, 14});
  EXPECT_NE(message(f).find("input 'qpos': expected dtype f32, found f16"), std::string::npos);

  f = good_feed();
  f["image"] = Tensor(DataType::kFloat32, {1, 3, 4, 5});
  EXPECT_NE(message(f).find("expected shape 1x3x4x4, found 1x3x4x5"), std::string::npos);

  f = good_feed();
  f["dyn"] = Tensor(DataType::kInt64, {5});
  EXPECT_NE(message(f).find("input 'dyn': expected shape"), std::string::npos);

  f = good_feed();
  f["imgae"] = Tensor(DataType::kFloat32, {1});
  f["zz"] = Tensor(DataType::kFloat32, {1});
  const std::string m = message(f);
  EXPECT_NE(m.find("unknown input name(s) 'imgae', 'zz'"), std::string::npos) << m;
  EXPECT_NE(m.find("'image', 'qpos', 'dyn'"), std::string::npos) << m;
}

}  // namespace
}  // namespace actrt
