// Reference kernels for shape computation and constants: Shape, ConstantOfShape, Range, Constant.
#include <algorithm>
#include <cstring>
#include <string>

#include "backends/reference/reference_kernels.h"
#include "core/dispatch.h"
#include "ops/constant_value.h"

namespace actrt::reference {

Status ref_Constant(const KernelArgs& args) {
  ASSIGN_OR_RETURN(Tensor value, ops::constant_node_value(args.node));
  Tensor& y = args.outputs[0];
  if (y.dtype() != value.dtype() || y.shape() != value.shape())
    return args.error("output was allocated as " + std::string(dtype_name(y.dtype())) + " " +
                      shape_to_string(y.shape()) + " but the value is " +
                      std::string(dtype_name(value.dtype())) + " " +
                      shape_to_string(value.shape()));
  if (value.nbytes()) std::memcpy(y.raw_data(), value.raw_data(), value.nbytes());
  return ok_status();
}

Status ref_Shape(const KernelArgs& args) {
  const Shape& dims = args.input(0)->shape();
  const int64_t rank = static_cast<int64_t>(dims.size());
  int64_t start = 0, end = rank;
  if (args.opset >= 15) {
    ASSIGN_OR_RETURN(start, args.node.attr_int("start", 0));
    ASSIGN_OR_RETURN(end, args.node.attr_int("end", rank));
  }
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, 0, rank);
  Tensor& y = args.outputs[0];
  CHECK(y.dtype() == DataType::kInt64 && y.numel() == std::max<int64_t>(0, end - start));
  for (int64_t i = start; i < end; ++i) y.data<int64_t>()[i - start] = dims[i];
  return ok_status();
}

Status ref_ConstantOfShape(const KernelArgs& args) {
  Tensor& y = args.outputs[0];
  std::vector<uint8_t> value(dtype_size(y.dtype()), 0);  // default: f32 zero
  const auto& attrs = args.node.attributes();
  if (auto it = attrs.find("value"); it != attrs.end()) {
    const Tensor& v = it->second.t;
    if (v.dtype() != y.dtype() || v.numel() != 1)
      return args.error("attribute 'value' must be one element of the output dtype " +
                        std::string(dtype_name(y.dtype())));
    std::memcpy(value.data(), v.raw_data(), value.size());
  }
  uint8_t* dst = static_cast<uint8_t*>(y.raw_data());
  for (int64_t i = 0; i < y.numel(); ++i) std::memcpy(dst + i * value.size(), value.data(), value.size());
  return ok_status();
}

Status ref_Range(const KernelArgs& args) {
  Tensor& y = args.outputs[0];
  const Tensor& start = *args.input(0);
  const Tensor& delta = *args.input(2);
  // Element i is start + i * delta (numpy.arange, the ONNX reference); integers stay exact.
  visit_dtype(y.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = y.data<T>();
    if constexpr (std::is_integral_v<T>) {
      const int64_t s = start.to_int64_vector()[0], d = delta.to_int64_vector()[0];
      for (int64_t i = 0; i < y.numel(); ++i) p[i] = static_cast<T>(s + i * d);
    } else {
      const double s = start.element_as_double(0), d = delta.element_as_double(0);
      for (int64_t i = 0; i < y.numel(); ++i)
        p[i] = convert_element<T>(s + static_cast<double>(i) * d);
    }
  });
  return ok_status();
}

}  // namespace actrt::reference
