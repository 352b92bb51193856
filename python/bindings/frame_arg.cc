#include "frame_arg.h"

#include <dlpack/dlpack.h>
#include <fmt/format.h>
#include <pybind11/numpy.h>

#include "errors.h"

namespace actrt::python {
namespace py = pybind11;

namespace {

// A capsule from obj.__dlpack__(): read in place; the producer's capsule destructor frees the
// tensor when the capsule goes (we never rename it "used_dltensor", so ownership stays there).
FrameArg from_dlpack(const py::handle& value, const std::string& what) {
  py::object capsule = value.attr("__dlpack__")();
  auto* managed = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule.ptr(), "dltensor"));
  if (!managed) {
    PyErr_Clear();
    throw_if_error(invalid_argument(what + ": __dlpack__() did not return a 'dltensor' capsule"));
  }
  const DLTensor& t = managed->dl_tensor;
  if (t.ndim != 3 || t.dtype.code != kDLUInt || t.dtype.bits != 8 || t.dtype.lanes != 1)
    throw_if_error(invalid_argument(fmt::format(
        "{}: expected a uint8 tensor [H, W, 3], got {} dimensions of dtype code {} / {} bits", what, t.ndim,
        t.dtype.code, t.dtype.bits)));
  FrameArg f;
  f.frame.height = t.shape[0];
  f.frame.width = t.shape[1];
  f.frame.channels = t.shape[2];
  if (t.strides) {
    if (t.strides[2] != 1 || t.strides[1] != t.shape[2])
      throw_if_error(invalid_argument(fmt::format(
          "{}: pixels must be packed (strides [row, {}, 1] in elements), got [{}, {}, {}]; call .contiguous()",
          what, t.shape[2], t.strides[0], t.strides[1], t.strides[2])));
    f.frame.row_stride = t.strides[0];
  }
  switch (t.device.device_type) {
    case kDLCPU:
    case kDLCUDAHost:
      f.frame.memory = Frame::Memory::kHost;
      break;
    case kDLCUDA:
      f.frame.memory = Frame::Memory::kDevice;
      break;
    default:
      throw_if_error(invalid_argument(fmt::format(
          "{}: a tensor on DLPack device type {} (only CPU and CUDA memory are taken)", what,
          static_cast<int>(t.device.device_type))));
  }
  f.frame.data = static_cast<const uint8_t*>(t.data) + t.byte_offset;
  f.keep_alive = std::move(capsule);
  return f;
}

FrameArg from_numpy(const py::handle& value, const std::string& what) {
  py::array a = py::array::ensure(value);
  if (!a) throw_if_error(invalid_argument(what + ": expected a uint8 array [H, W, 3] or a DLPack tensor"));
  if (!a.dtype().is(py::dtype::of<uint8_t>()))
    throw_if_error(invalid_argument(fmt::format("{}: expected dtype uint8, got {}", what,
                                                py::str(a.dtype()).cast<std::string>())));
  if (a.ndim() != 3)
    throw_if_error(invalid_argument(fmt::format("{}: expected an array [H, W, 3], got {} dimensions", what, a.ndim())));
  if (a.strides(2) != 1 || a.strides(1) != a.shape(2) || a.strides(0) < 0)
    a = py::array::ensure(py::module_::import("numpy").attr("ascontiguousarray")(a));
  FrameArg f;
  f.frame.data = a.data();
  f.frame.height = a.shape(0);
  f.frame.width = a.shape(1);
  f.frame.channels = a.shape(2);
  f.frame.row_stride = a.strides(0);
  f.keep_alive = std::move(a);
  return f;
}

}  // namespace

FrameArg frame_from_python(const py::handle& value, const std::string& what) {
  if (value.is_none()) throw_if_error(invalid_argument(what + ": the frame is None"));
  if (!py::isinstance<py::array>(value) && py::hasattr(value, "__dlpack__")) return from_dlpack(value, what);
  return from_numpy(value, what);
}

}  // namespace actrt::python
