// actrt Status -> Python exceptions: actrt.ActrtError and one subclass per StatusCode.
#pragma once

#include <pybind11/pybind11.h>

#include "actrt/status.h"

namespace actrt::python {

// Creates ActrtError and its subclasses in `m` (call once, first).
void bind_errors(pybind11::module_& m);

// Raises the exception class of status.code() with status.message() (unchanged) if not ok.
void throw_if_error(const Status& status);

template <typename T>
T unwrap(Result<T> result) {
  throw_if_error(result.status());
  return std::move(result).value();
}

}  // namespace actrt::python
