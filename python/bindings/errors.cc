// One Python exception class per StatusCode, all deriving from actrt.ActrtError (itself a
// RuntimeError), so that callers catch either the family or one kind; the message is actrt's own.
#include "errors.h"

#include <array>
#include <string>

namespace actrt::python {
namespace py = pybind11;

namespace {

struct ErrorClass {
  StatusCode code;
  const char* name;
  PyObject* extra_base;  // a builtin the kind also is (ValueError, OSError, ...), or null
  const char* doc;
};

PyObject* g_base = nullptr;
std::array<PyObject*, 9> g_by_code{};  // indexed by StatusCode

}  // namespace

void bind_errors(py::module_& m) {
  g_base = PyErr_NewExceptionWithDoc("actrt.ActrtError",
                                     "Base class of every error actrt reports; str() is actrt's message.",
                                     PyExc_RuntimeError, nullptr);
  m.add_object("ActrtError", py::handle(g_base));
  const ErrorClass classes[] = {
      {StatusCode::kInvalidArgument, "InvalidArgumentError", PyExc_ValueError,
       "The caller passed something wrong (shape, name, option)."},
      {StatusCode::kInvalidModel, "InvalidModelError", nullptr,
       "The model, engine or data file is malformed."},
      {StatusCode::kUnsupported, "UnsupportedError", nullptr,
       "Well-formed, but an op, dtype or feature actrt does not implement."},
      {StatusCode::kVersionMismatch, "VersionMismatchError", nullptr,
       "A file from another actrt version or another target."},
      {StatusCode::kIoError, "IoError", PyExc_OSError, "The file system said no."},
      {StatusCode::kOutOfMemory, "OutOfMemoryError", PyExc_MemoryError, "An allocation failed."},
      {StatusCode::kDeviceError, "DeviceError", nullptr,
       "CUDA / cuDNN / cuBLASLt / oneDNN reported a failure."},
      {StatusCode::kInternal, "InternalError", nullptr, "A bug in actrt."},
  };
  for (const ErrorClass& c : classes) {
    py::tuple bases = c.extra_base ? py::make_tuple(py::handle(g_base), py::handle(c.extra_base))
                                   : py::make_tuple(py::handle(g_base));
    PyObject* cls = PyErr_NewExceptionWithDoc((std::string("actrt.") + c.name).c_str(), c.doc,
                                              bases.ptr(), nullptr);
    if (!cls) throw py::error_already_set();
    g_by_code[static_cast<size_t>(c.code)] = cls;
    m.add_object(c.name, py::handle(cls));
  }
}

void throw_if_error(const Status& status) {
  if (status.ok()) return;
  PyObject* cls = g_by_code[static_cast<size_t>(status.code())];
  PyErr_SetString(cls ? cls : g_base, status.message().c_str());
  throw py::error_already_set();
}

}  // namespace actrt::python
