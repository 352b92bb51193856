#include "data/npz.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "core/half.h"
#include "data_test_util.h"
#include "core/file_io.h"

namespace actrt::data {
namespace {

using testing::python_has;
using testing::run_python;
using testing::ScratchDir;

Tensor iota_tensor(DataType dtype, Shape shape) {
  Tensor t(dtype, shape);
  auto* p = static_cast<uint8_t*>(t.raw_data());
  for (size_t i = 0; i < t.nbytes(); ++i) p[i] = static_cast<uint8_t>(i * 37 + 11);
  if (dtype == DataType::kBool)
    for (size_t i = 0; i < t.nbytes(); ++i) p[i] &= 1;
  return t;
}

void expect_same(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.dtype(), b.dtype());
  ASSERT_EQ(a.shape(), b.shape());
  // An empty tensor may have no storage: memcmp on null pointers is undefined even for 0 bytes.
  if (a.nbytes() > 0) {
    ASSERT_EQ(0, std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()));
  }
}

TEST(Npz, RoundTripEveryDtypeAndShape) {
  ScratchDir dir("npz");
  TensorMap in;
  in["f32"] = iota_tensor(DataType::kFloat32, {2, 3, 5});
  in["f16"] = iota_tensor(DataType::kFloat16, {7});
  in["i64"] = iota_tensor(DataType::kInt64, {3, 1});
  in["i32"] = iota_tensor(DataType::kInt32, {4});
  in["i8"] = iota_tensor(DataType::kInt8, {2, 2, 2});
  in["u8"] = iota_tensor(DataType::kUInt8, {1, 3, 4, 5});
  in["b"] = iota_tensor(DataType::kBool, {9});
  in["scalar"] = iota_tensor(DataType::kFloat32, {});
  in["empty"] = Tensor(DataType::kFloat32, {0, 4});
  ASSERT_TRUE(write_npz(dir / "a.npz", in).ok());
  auto out = read_npz(dir / "a.npz");
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  ASSERT_EQ(out->size(), in.size());
  for (const auto& [k, t] : in) {
    SCOPED_TRACE(k);
    ASSERT_TRUE(out->count(k));
    expect_same(t, out->at(k));
  }
  // Same tensors, same bytes.
  ASSERT_TRUE(write_npz(dir / "b.npz", in).ok());
  EXPECT_EQ(read_file_bytes(dir / "a.npz").value(), read_file_bytes(dir / "b.npz").value());
}

TEST(Npy, RoundTripAndAlignment) {
  ScratchDir dir("npy");
  Tensor t = iota_tensor(DataType::kFloat32, {3, 4});
  ASSERT_TRUE(write_npy(dir / "a.npy", t).ok());
  auto bytes = read_file_bytes(dir / "a.npy").value();
  EXPECT_EQ((bytes.size() - t.nbytes()) % 64, 0u);  // data starts on a 64-byte boundary
  auto back = read_npy(dir / "a.npy");
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  expect_same(t, *back);
}

TEST(Npy, Bf16IsRefusedWhenWriting) {
  auto r = serialize_npy(Tensor(DataType::kBFloat16, {2}), "w");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(r.status().message().find("bf16"), std::string::npos);
}

// Files written by NumPy itself: savez, savez_compressed, plain .npy; and our files read by NumPy.
TEST(Npz, InteroperatesWithNumpy) {
  if (!python_has("numpy")) GTEST_SKIP() << "python3 numpy not available";
  ScratchDir dir("npz_py");
  ASSERT_TRUE(write_npz(dir / "ours.npz", {{"x", Tensor::from_vector<float>(DataType::kFloat32, {2, 2}, {1.5f, -2, 3, 4})},
                                          {"m", Tensor::from_vector<uint8_t>(DataType::kBool, {3}, {1, 0, 1})}})
                  .ok());
  const std::string code = R"(
import numpy as np, os
d = os.path.dirname(os.path.abspath(__file__))
a = dict(f32=np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.5 - 3,
         f16=np.array([1.0, -0.5, 65504, 6e-8], dtype=np.float16),
         i64=np.array([[-1, 2**40], [3, 4]], dtype=np.int64),
         i32=np.array([-7, 8], dtype=np.int32), i8=np.array([-128, 127], dtype=np.int8),
         u8=np.arange(255, dtype=np.uint8).reshape(5, 51), b=np.array([True, False, True]),
         s=np.float32(2.25))
np.savez(os.path.join(d, 'stored.npz'), **a)
np.savez_compressed(os.path.join(d, 'deflated.npz'), **a)
np.save(os.path.join(d, 'one.npy'), a['f32'])
np.save(os.path.join(d, 'fortran.npy'), np.asfortranarray(a['f32']))
np.savez(os.path.join(d, 'f64.npz'), ok=a['i32'], bad=np.zeros(3))
np.save(os.path.join(d, 'big_endian.npy'), np.arange(3, dtype='>f4'))
o = np.load(os.path.join(d, 'ours.npz'))
assert sorted(o.files) == ['m', 'x'], o.files
assert o['x'].dtype == np.float32 and (o['x'] == np.array([[1.5, -2], [3, 4]], np.float32)).all()
assert o['m'].dtype == np.bool_ and list(o['m']) == [True, False, True]
)";
  ASSERT_EQ(run_python(dir, code), 0);
  for (const char* file : {"stored.npz", "deflated.npz"}) {
    SCOPED_TRACE(file);
    auto m = read_npz(dir / file);
    ASSERT_TRUE(m.ok()) << m.status().to_string();
    ASSERT_EQ(m->size(), 8u);
    const Tensor& f32 = m->at("f32");
    ASSERT_EQ(f32.shape(), (Shape{2, 3, 4}));
    EXPECT_EQ(f32.data<float>()[0], -3.0f);
    EXPECT_EQ(f32.data<float>()[23], 8.5f);
    EXPECT_EQ(fp16_to_float(m->at("f16").data<uint16_t>()[2]), 65504.0f);
    EXPECT_EQ(m->at("i64").data<int64_t>()[1], int64_t{1} << 40);
    EXPECT_EQ(m->at("i32").data<int32_t>()[0], -7);
    EXPECT_EQ(m->at("i8").data<int8_t>()[0], -128);
    EXPECT_EQ(m->at("u8").shape(), (Shape{5, 51}));
    EXPECT_EQ(m->at("u8").data<uint8_t>()[254], 254);
    EXPECT_EQ(m->at("b").dtype(), DataType::kBool);
    EXPECT_EQ(m->at("b").to_int64_vector(), (std::vector<int64_t>{1, 0, 1}));
    EXPECT_EQ(m->at("s").shape(), Shape{});
    EXPECT_EQ(m->at("s").data<float>()[0], 2.25f);
  }
  auto one = read_npy(dir / "one.npy");
  ASSERT_TRUE(one.ok()) << one.status().to_string();
  EXPECT_EQ(one->data<float>()[5], -0.5f);

  auto fortran = read_npy(dir / "fortran.npy");
  ASSERT_FALSE(fortran.ok());
  EXPECT_EQ(fortran.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(fortran.status().message().find("fortran_order"), std::string::npos);
  EXPECT_NE(fortran.status().message().find("fortran.npy"), std::string::npos);

  auto f64 = read_npz(dir / "f64.npz");
  ASSERT_FALSE(f64.ok());
  EXPECT_EQ(f64.status().code(), StatusCode::kUnsupported);
  for (const char* part : {"f64.npz", "'bad'", "<f8"})
    EXPECT_NE(f64.status().message().find(part), std::string::npos) << f64.status().message();

  auto be = read_npy(dir / "big_endian.npy");
  ASSERT_FALSE(be.ok());
  EXPECT_NE(be.status().message().find(">f4"), std::string::npos) << be.status().message();
}

TEST(Npz, TruncatedAndCorruptFilesNameTheByteOffset) {
  ScratchDir dir("npz_bad");
  ASSERT_TRUE(write_npz(dir / "good.npz", {{"x", iota_tensor(DataType::kFloat32, {64})}}).ok());
  const auto good = read_file_bytes(dir / "good.npz").value();
  auto write = [&](const std::string& name, const std::vector<uint8_t>& bytes) {
    std::ofstream(dir / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return dir / name;
  };
  // Cut in the middle of the data: the EOCD is gone.
  auto cut = read_npz(write("cut.npz", {good.begin(), good.begin() + 200}));
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.status().message().find("truncated"), std::string::npos) << cut.status().message();
  EXPECT_NE(cut.status().message().find("cut.npz"), std::string::npos);
  // One flipped data byte: the CRC catches it and names the offset of the member data.
  auto flipped = good;
  flipped[150] ^= 0xff;
  auto crc = read_npz(write("crc.npz", flipped));
  ASSERT_FALSE(crc.ok());
  EXPECT_NE(crc.status().message().find("CRC-32"), std::string::npos) << crc.status().message();
  EXPECT_NE(crc.status().message().find("byte"), std::string::npos);
  // Central directory offset pointing past the end.
  auto bad_cd = good;
  const size_t eocd = bad_cd.size() - 22;
  bad_cd[eocd + 16] = 0xf0;
  bad_cd[eocd + 17] = 0xff;
  auto cd = read_npz(write("cd.npz", bad_cd));
  ASSERT_FALSE(cd.ok());
  EXPECT_NE(cd.status().message().find("at byte"), std::string::npos) << cd.status().message();
  // Not a ZIP at all.
  auto junk = read_npz(write("junk.npz", std::vector<uint8_t>(100, 'a')));
  ASSERT_FALSE(junk.ok());
  EXPECT_NE(junk.status().message().find("junk.npz"), std::string::npos);
  // Missing file: an I/O error naming the path.
  auto missing = read_npz(dir / "nope.npz");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIoError);
  EXPECT_NE(missing.status().message().find("nope.npz"), std::string::npos);
}

TEST(Npy, TruncatedDataAndBadHeader) {
  ScratchDir dir("npy_bad");
  auto bytes = serialize_npy(iota_tensor(DataType::kInt32, {10})).value();
  auto r = parse_npy({bytes.data(), bytes.size() - 4}, "t.npy", "");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("truncated data"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("from byte 128"), std::string::npos) << r.status().message();
  auto bad = bytes;
  bad[10] = '[';  // header must start with '{'
  auto h = parse_npy(bad, "t.npy", "");
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find("malformed header"), std::string::npos);
  auto short_preamble = parse_npy({bytes.data(), 5}, "t.npy", "");
  ASSERT_FALSE(short_preamble.ok());
  EXPECT_NE(short_preamble.status().message().find("truncated"), std::string::npos);
}

}  // namespace
}  // namespace actrt::data
