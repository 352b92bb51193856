// quant::check_finite (observers.h): the first non-finite element of a feed, also in tensors
// larger than the blocks its fast scan works in, and in FP16.
#include <gtest/gtest.h>

#include <limits>

#include "core/half.h"
#include "quant/observers.h"

using namespace actrt;

namespace {

Tensor ones(DataType dt, int64_t n) {
  Tensor t(DataType::kFloat32, {n});
  for (float& v : t.span<float>()) v = 1.0f;
  return dt == DataType::kFloat32 ? t : t.cast(dt);
}

std::string message(const Tensor& t) {
  const Status s = quant::check_finite(t, "calibration sample 7", "input 'image'");
  return s.ok() ? "ok" : s.message();
}

}  // namespace

TEST(QuantCheckFinite, NamesTheFirstBadElementAcrossScanBlocks) {
  constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const int64_t n = 3 * 4096 + 17;
  EXPECT_EQ(message(ones(DataType::kFloat32, n)), "ok");
  for (int64_t at : {int64_t(0), int64_t(4095), int64_t(4096), n - 1}) {
    Tensor t = ones(DataType::kFloat32, n);
    t.data<float>()[at] = -kInf;
    if (at + 5 < n) t.data<float>()[at + 5] = kNaN;  // a later one does not matter
    EXPECT_EQ(message(t), "calibration sample 7: input 'image' holds Inf at element " +
                              std::to_string(at) + "; calibration data must be finite");
  }
  Tensor t = ones(DataType::kFloat32, n);
  t.data<float>()[9000] = kNaN;
  t.data<float>()[9500] = kInf;
  EXPECT_EQ(message(t),
            "calibration sample 7: input 'image' holds NaN at element 9000; "
            "calibration data must be finite");
  // The largest finite float and subnormals are finite.
  t = ones(DataType::kFloat32, n);
  t.data<float>()[1] = std::numeric_limits<float>::max();
  t.data<float>()[2] = -std::numeric_limits<float>::denorm_min();
  EXPECT_EQ(message(t), "ok");
}

TEST(QuantCheckFinite, Float16) {
  Tensor t = ones(DataType::kFloat16, 5000);
  EXPECT_EQ(message(t), "ok");
  t.data<uint16_t>()[4321] = 0x7c00;  // +Inf
  EXPECT_EQ(message(t),
            "calibration sample 7: input 'image' holds Inf at element 4321; "
            "calibration data must be finite");
}
