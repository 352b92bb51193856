// TensorRT calibration cache: round trip, a hand-written TensorRT cache, and every bad input.
#include <gtest/gtest.h>

#include "quant/cache.h"
#include "quant/calibrate.h"
#include "quant_test_util.h"

using namespace actrt;
using namespace actrt::quant;
using namespace actrt::quant::testing;

TEST(QuantCache, HexIsTheFloatBitPattern) {
  EXPECT_EQ(scale_to_hex(0.0f), "0");
  EXPECT_EQ(scale_to_hex(1.0f), "3f800000");
  auto c = parse_calibration_cache("TRT-8600-EntropyCalibration2\nt: 3c010a14\n", "c");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_NEAR(c->entries[0].second, 0.0078759f, 1e-7);
}

TEST(QuantCache, RoundTripIsByteIdentical) {
  TempDir dir;
  const ScaleList entries = {{"image", 0.0078759f}, {"/conv1/Conv_output_0", 0.0213f},
                             {"a:b:c", 1.5e-3f}, {"zero", 0.0f}, {"tiny", 1e-30f}};
  const std::string path = dir.file("c.cache");
  ASSERT_TRUE(write_calibration_cache(path, CalibrationAlgorithm::kMinMax, entries).ok());
  const std::string text = read_text(path);
  EXPECT_EQ(text.substr(0, text.find('\n')), "TRT-8600-MinMaxCalibration");
  auto c = read_calibration_cache(path);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->algorithm, CalibrationAlgorithm::kMinMax);
  ASSERT_EQ(c->entries.size(), entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(c->entries[i].first, entries[i].first);
    EXPECT_EQ(std::bit_cast<uint32_t>(c->entries[i].second), std::bit_cast<uint32_t>(entries[i].second));
  }
  EXPECT_EQ(format_calibration_cache(c->algorithm, c->entries), text);
  // Never replaces a file unless asked.
  Status again = write_calibration_cache(path, CalibrationAlgorithm::kMinMax, entries);
  EXPECT_FALSE(again.ok());
  EXPECT_NE(again.message().find("exists"), std::string::npos);
}

TEST(QuantCache, AcceptsAHandWrittenTensorRtCache) {
  // As TensorRT 8.5 writes it: other version digits, names with colons and slashes, a 0 line,
  // upper-case hex and stray blanks, no trailing newline.
  const std::string text =
      "TRT-8501-EntropyCalibration2\n"
      "qpos: 3c010a14\n"
      "/model/backbones.0/Conv_output_0: 3D8F5C29\n"
      "onnx::MatMul_123:456: 3e000000\n"
      "  padded name : 0\n"
      "\n"
      "last: 3f800000";
  auto c = parse_calibration_cache(text, "trt.cache");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->algorithm, CalibrationAlgorithm::kEntropy);
  EXPECT_EQ(c->header, "TRT-8501-EntropyCalibration2");
  ASSERT_EQ(c->entries.size(), 5u);
  EXPECT_EQ(c->entries[2].first, "onnx::MatMul_123:456");  // split at the LAST colon
  EXPECT_EQ(c->entries[2].second, 0.125f);
  EXPECT_EQ(c->entries[3].first, "padded name");
  EXPECT_EQ(c->entries[3].second, 0.0f);
  EXPECT_EQ(c->entries[4].second, 1.0f);
  EXPECT_NEAR(c->entries[1].second, 0.07f, 1e-6);
  auto mm = parse_calibration_cache("TRT-100-MinMaxCalibration\n", "m");
  ASSERT_TRUE(mm.ok());
  EXPECT_EQ(mm->algorithm, CalibrationAlgorithm::kMinMax);
  EXPECT_TRUE(mm->entries.empty());
}

TEST(QuantCache, ForeignHeaderNamesTheFileAndLine) {
  for (const char* text : {"# my scales\nx: 3f800000\n", "TRTX-8600-EntropyCalibration2\n",
                           "TRT--EntropyCalibration2\n", "TRT-86a0-EntropyCalibration2\n"}) {
    auto c = parse_calibration_cache(text, "foreign.cache");
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_NE(c.status().message().find("foreign.cache: line 1"), std::string::npos)
        << c.status().message();
  }
  auto legacy = parse_calibration_cache("TRT-8600-LegacyCalibration\n", "l.cache");
  ASSERT_FALSE(legacy.ok());
  EXPECT_EQ(legacy.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(legacy.status().message().find("LegacyCalibration"), std::string::npos);
  EXPECT_FALSE(parse_calibration_cache("", "empty.cache").ok());
}

TEST(QuantCache, MalformedLinesGiveTheLineNumber) {
  const std::string header = "TRT-8600-EntropyCalibration2\n";
  struct Case {
    std::string body;
    std::string expect;
  };
  for (const Case& c : std::vector<Case>{{"a: 3f800000\nno colon here\n", "line 3"},
                                         {"a: 3f80000g\n", "not hexadecimal"},
                                         {"a: 3f8000000\n", "1 to 8 hex digits"},
                                         {"a:\n", "1 to 8 hex digits"},
                                         {": 3f800000\n", "empty tensor name"},
                                         {"a: 7fc00000\n", "finite"},
                                         {"a: bf800000\n", ">= 0"},
                                         // Issue 20: a denormal and 3.4e38 were accepted.
                                         {"a: 00000001\n", "denormal"},
                                         {"a: 7f7fffff\n", "127 * scale overflows"},
                                         {"a: 3f800000\nb: 3f800000\na: 3f800000\n", "appears twice (first on line 2)"}}) {
    auto r = parse_calibration_cache(header + c.body, "bad.cache");
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel);
    EXPECT_NE(r.status().message().find("bad.cache: line"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos) << r.status().message();
  }
}

TEST(QuantCache, UnmatchedNamesWarnWithCountsAndAreNotAnError) {
  auto g = small_graph();
  TempDir dir;
  const std::string path = dir.file("partial.cache");
  write_text(path, "TRT-8600-EntropyCalibration2\nx: 3c010a14\nrelu: 3c800000\nnot_in_model: 3f800000\n"
                   "also_missing: 3f800000\n");
  CalibratorOptions o;
  o.cache_path = path;  // no data: the cache is enough
  auto calibrator = make_calibrator(o);
  ASSERT_TRUE(calibrator.ok()) << calibrator.status().to_string();
  ::testing::internal::CaptureStderr();
  auto r = calibrate(*g, **calibrator);
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_TRUE(r->from_cache);
  EXPECT_EQ(r->scales.size(), 2u);
  EXPECT_NE(log.find("[W] calibration cache " + path + ": 2 of 4 entries name tensors of the model"),
            std::string::npos)
      << log;
  // Issue 20: every ignored entry is listed, not only the first.
  EXPECT_NE(log.find("the 2 others are ignored: 'not_in_model', 'also_missing'"), std::string::npos)
      << log;
}
