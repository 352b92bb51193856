#include "data/npz_loader.h"

#include <gtest/gtest.h>

#include "data/npz.h"
#include "data_test_util.h"

namespace actrt::data {
namespace {

using testing::ScratchDir;

const std::vector<TensorInfo> kInputs = {{"image", DataType::kFloat32, {1, 3, 2, 2}},
                                         {"qpos", DataType::kFloat32, {1, 4}}};

TensorMap feed(float v) {
  Tensor img(DataType::kFloat32, {1, 3, 2, 2});
  for (float& x : img.span<float>()) x = v;
  Tensor qpos(DataType::kFloat32, {1, 4});
  qpos.data<float>()[0] = v;
  return {{"image", img}, {"qpos", qpos}};
}

TEST(NpzLoader, LoadsOneItemPerFile) {
  ScratchDir dir("npz_loader");
  ASSERT_TRUE(write_npz(dir / "a.npz", feed(1)).ok());
  TensorMap extra = feed(2);
  extra["note"] = Tensor(DataType::kInt64, {1});  // not an input: dropped with a warning
  ASSERT_TRUE(write_npz(dir / "b.npz", extra).ok());
  Result<NpzDataLoader> l = NpzDataLoader::create({dir / "a.npz", dir / "b.npz"}, kInputs);
  ASSERT_TRUE(l.ok()) << l.status().to_string();
  EXPECT_EQ(l->size(), 2u);
  Result<TensorMap> b = l->get(1);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->size(), 2u);
  EXPECT_EQ(b->at("qpos").data<float>()[0], 2.0f);
  EXPECT_FALSE(l->get(2).ok());

  // Without metadata every key is an input.
  Result<NpzDataLoader> raw = NpzDataLoader::create({dir / "b.npz"}, {});
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->get(0)->size(), 3u);
}

TEST(NpzLoader, MissingInputNamesFileInputAndKeys) {
  ScratchDir dir("npz_loader");
  TensorMap f = feed(1);
  f.erase("qpos");
  f["qpso"] = Tensor(DataType::kFloat32, {1, 4});
  ASSERT_TRUE(write_npz(dir / "bad.npz", f).ok());
  Result<NpzDataLoader> l = NpzDataLoader::create({dir / "bad.npz"}, kInputs);
  ASSERT_FALSE(l.ok());
  const std::string m = l.status().message();
  EXPECT_NE(m.find("bad.npz: input 'qpos' is missing; the file holds [image, qpso]"),
            std::string::npos)
      << m;
}

TEST(NpzLoader, WrongShapeOrDtype) {
  ScratchDir dir("npz_loader");
  TensorMap f = feed(1);
  f["qpos"] = Tensor(DataType::kFloat32, {1, 5});
  ASSERT_TRUE(write_npz(dir / "shape.npz", f).ok());
  Result<NpzDataLoader> l = NpzDataLoader::create({dir / "shape.npz"}, kInputs);
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.status().message().find("input 'qpos': expected shape 1x4, found 1x5"),
            std::string::npos)
      << l.status().message();

  f = feed(1);
  f["image"] = Tensor(DataType::kFloat16, {1, 3, 2, 2});
  ASSERT_TRUE(write_npz(dir / "dtype.npz", f).ok());
  l = NpzDataLoader::create({dir / "dtype.npz"}, kInputs);
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.status().message().find("dtype.npz: input 'image': expected dtype f32, found f16"),
            std::string::npos)
      << l.status().message();

  // Dynamic dims in the metadata accept any size.
  Result<NpzDataLoader> dyn =
      NpzDataLoader::create({dir / "shape.npz"}, {{"qpos", DataType::kFloat32, {1, -1}}});
  EXPECT_TRUE(dyn.ok()) << dyn.status().to_string();

  EXPECT_FALSE(NpzDataLoader::create({dir / "nope.npz"}, kInputs).ok());
  EXPECT_FALSE(NpzDataLoader::create({}, kInputs).ok());
}

}  // namespace
}  // namespace actrt::data
