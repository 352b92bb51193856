// Reference kernels for QuantizeLinear / DequantizeLinear (ONNX semantics, any zero point):
//   Q: y = saturate(round_half_even(x / scale) + zero_point), the division in float as ONNX's
//      reference does; saturate to the output type's range.
//   DQ: y = (x - zero_point) * scale, in float.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "backends/reference/reference_kernels.h"
#include "backends/reference/type_util.h"

namespace actrt::reference {

namespace {

// For element i of x: which scale / zero-point entry applies (0 per tensor, else the index
// along `axis`).
struct AxisIndex {
  int64_t inner = 1;     // product of dims after axis
  int64_t channels = 1;  // 1 for per tensor
  int64_t at(int64_t i) const { return channels == 1 ? 0 : (i / inner) % channels; }
};

Result<AxisIndex> axis_index(const KernelArgs& args, const Tensor& x, const Tensor& scale) {
  AxisIndex ax;
  if (scale.numel() == 1 && scale.rank() <= 1) return ax;
  ASSIGN_OR_RETURN(int64_t axis, args.node.attr_int("axis", 1));
  if (axis < 0) axis += x.rank();
  if (axis < 0 || axis >= x.rank()) return args.error("axis out of range");
  ax.channels = x.shape()[static_cast<size_t>(axis)];
  for (int64_t d = axis + 1; d < x.rank(); ++d) ax.inner *= x.shape()[static_cast<size_t>(d)];
  return ax;
}

std::vector<float> floats_of(const Tensor& t) {
  const Tensor f = t.to_float32();
  return {f.data<float>(), f.data<float>() + f.numel()};
}

std::vector<int32_t> zero_points(const Tensor* zp, int64_t n) {
  std::vector<int32_t> out(static_cast<size_t>(n), 0);
  if (!zp) return out;
  for (int64_t i = 0; i < zp->numel() && i < n; ++i)
    out[static_cast<size_t>(i)] = static_cast<int32_t>(zp->element_as_double(i));
  return out;
}

}  // namespace

Status ref_QuantizeLinear(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  const Tensor& scale = *args.input(1);
  Tensor& y = args.outputs[0];
  ASSIGN_OR_RETURN(AxisIndex ax, axis_index(args, x, scale));
  const std::vector<float> xs = floats_of(x), s = floats_of(scale);
  const std::vector<int32_t> zp = zero_points(args.input(2), scale.numel());
  int32_t lo, hi;
  if (y.dtype() == DataType::kInt8) lo = -128, hi = 127;
  else if (y.dtype() == DataType::kUInt8) lo = 0, hi = 255;
  else return args.error("output dtype " + std::string(dtype_name(y.dtype())) + " not supported");
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int64_t c = ax.at(i);
    const float v = std::nearbyint(xs[static_cast<size_t>(i)] / s[static_cast<size_t>(c)]);
    double q = static_cast<double>(v) + zp[static_cast<size_t>(c)];
    if (std::isnan(q)) q = zp[static_cast<size_t>(c)];
    q = std::clamp(q, static_cast<double>(lo), static_cast<double>(hi));
    if (y.dtype() == DataType::kInt8) y.data<int8_t>()[i] = static_cast<int8_t>(q);
    else y.data<uint8_t>()[i] = static_cast<uint8_t>(q);
  }
  return ok_status();
}

Status ref_DequantizeLinear(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  const Tensor& scale = *args.input(1);
  Tensor& y = args.outputs[0];
  ASSIGN_OR_RETURN(AxisIndex ax, axis_index(args, x, scale));
  const std::vector<float> s = floats_of(scale);
  const std::vector<int32_t> zp = zero_points(args.input(2), scale.numel());
  Tensor out(DataType::kFloat32, x.shape());
  float* o = out.data<float>();
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int64_t c = ax.at(i);
    const auto q = static_cast<int64_t>(x.element_as_double(i));
    o[i] = static_cast<float>(q - zp[static_cast<size_t>(c)]) * s[static_cast<size_t>(c)];
  }
  if (y.dtype() == DataType::kFloat32) {
    std::copy(o, o + out.numel(), y.data<float>());
  } else {
    const Tensor converted = out.cast(y.dtype());
    std::memcpy(y.raw_data(), converted.raw_data(), y.nbytes());
  }
  return ok_status();
}

}  // namespace actrt::reference
