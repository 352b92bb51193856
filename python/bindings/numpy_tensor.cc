// See numpy_tensor.h.
#include "numpy_tensor.h"

#include <cstring>
#include <memory>

#include <pybind11/stl.h>

#include "errors.h"

namespace actrt::python {
namespace py = pybind11;

std::optional<py::dtype> numpy_dtype(DataType t) {
  switch (t) {
    case DataType::kFloat32: return py::dtype::of<float>();
    case DataType::kFloat16: return py::dtype("float16");
    case DataType::kUInt8: return py::dtype::of<uint8_t>();
    case DataType::kInt8: return py::dtype::of<int8_t>();
    case DataType::kInt32: return py::dtype::of<int32_t>();
    case DataType::kInt64: return py::dtype::of<int64_t>();
    case DataType::kBool: return py::dtype::of<bool>();
    default: return std::nullopt;
  }
}

py::object dtype_object(DataType t) {
  if (auto d = numpy_dtype(t)) return *d;
  return py::str(std::string(dtype_name(t)));
}

namespace {

// The actrt type of a NumPy dtype (matched by kind and size, so platform aliases agree).
std::optional<DataType> actrt_dtype(const py::dtype& d) {
  const char kind = d.kind();
  const ssize_t size = d.itemsize();
  if (kind == 'f' && size == 4) return DataType::kFloat32;
  if (kind == 'f' && size == 2) return DataType::kFloat16;
  if (kind == 'u' && size == 1) return DataType::kUInt8;
  if (kind == 'i' && size == 1) return DataType::kInt8;
  if (kind == 'i' && size == 4) return DataType::kInt32;
  if (kind == 'i' && size == 8) return DataType::kInt64;
  if (kind == 'b' && size == 1) return DataType::kBool;
  return std::nullopt;
}

// Owns a Python reference from C++; dropping it may happen on a thread without the GIL.
std::shared_ptr<void> hold(py::object obj) {
  return std::shared_ptr<void>(new py::object(std::move(obj)), [](void* p) {
    py::gil_scoped_acquire gil;
    delete static_cast<py::object*>(p);
  });
}

}  // namespace

Tensor tensor_from_python(const py::handle& value, DataType want, const std::string& what) {
  auto numpy = [] { return py::module_::import("numpy"); };  // only off the zero-copy path
  py::array arr;
  if (py::isinstance<py::array>(value)) {
    arr = py::reinterpret_borrow<py::array>(value);
  } else {
    arr = numpy().attr("asarray")(value);
  }
  using api = py::detail::npy_api;
  const int want_flags = api::NPY_ARRAY_C_CONTIGUOUS_ | api::NPY_ARRAY_ALIGNED_;
  const bool contiguous = (arr.flags() & want_flags) == want_flags;
  std::optional<DataType> have = actrt_dtype(arr.dtype());
  DataType target = want == DataType::kUndefined ? have.value_or(DataType::kFloat32) : want;
  if (!contiguous || !have || *have != target) {
    std::optional<py::dtype> np_target = numpy_dtype(target);
    if (!np_target)
      throw_if_error(unsupported(what + ": actrt expects " + std::string(dtype_name(target)) +
                                 ", which NumPy cannot hold; pass a float32 array"));
    arr = numpy().attr("ascontiguousarray")(arr, *np_target);
  }
  Shape shape(arr.shape(), arr.shape() + arr.ndim());
  // The engine only reads its inputs, so read-only arrays (np.frombuffer, memory maps) are fine.
  void* data = const_cast<void*>(arr.data());
  return Tensor::wrap_external(target, std::move(shape), data, hold(arr));
}

TensorMap feed_from_python(const py::handle& feed, const std::vector<TensorInfo>& inputs) {
  if (!py::isinstance<py::dict>(feed))
    throw_if_error(invalid_argument("feed_dict: expected a dict {input name: numpy array}, got " +
                                    std::string(py::str(py::type::of(feed)))));
  TensorMap map;
  for (auto [key, value] : py::reinterpret_borrow<py::dict>(feed)) {
    std::string name = py::cast<std::string>(key);
    DataType want = DataType::kUndefined;
    for (const TensorInfo& in : inputs)
      if (in.name == name) want = in.dtype;
    map.emplace(name, tensor_from_python(value, want, "input '" + name + "'"));
  }
  return map;
}

py::array tensor_to_numpy(const Tensor& t) {
  const Tensor& src = t.dtype() == DataType::kBFloat16 ? t.to_float32() : t;
  std::optional<py::dtype> d = numpy_dtype(src.dtype());
  if (!d) throw_if_error(unsupported("output of type " + std::string(dtype_name(src.dtype())) +
                                     " has no NumPy dtype"));
  std::vector<ssize_t> shape(src.shape().begin(), src.shape().end());
  py::array out(*d, shape);
  if (src.nbytes()) std::memcpy(out.mutable_data(), src.raw_data(), src.nbytes());
  return out;
}

py::dict tensor_map_to_python(const TensorMap& map) {
  py::dict out;
  for (const auto& [name, t] : map) out[py::str(name)] = tensor_to_numpy(t);
  return out;
}

void bind_tensor_info(py::module_& m) {
  py::class_<TensorInfo>(m, "TensorInfo", "A named tensor's element type and shape.")
      .def_readonly("name", &TensorInfo::name, "Tensor name.")
      .def_property_readonly(
          "dtype", [](const TensorInfo& i) { return dtype_object(i.dtype); },
          "numpy.dtype, or actrt's name ('bf16') for types NumPy lacks.")
      .def_property_readonly(
          "shape", [](const TensorInfo& i) { return py::tuple(py::cast(i.shape)); },
          "Shape as a tuple of ints.")
      .def("__repr__", [](const TensorInfo& i) {
        return "TensorInfo(name='" + i.name + "', dtype=" + std::string(dtype_name(i.dtype)) +
               ", shape=" + shape_to_string(i.shape) + ")";
      });
}

}  // namespace actrt::python
