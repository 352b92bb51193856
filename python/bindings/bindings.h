// The parts of the _actrt module, one per concern; module.cc calls them in order.
#pragma once

#include <pybind11/pybind11.h>

namespace actrt::python {

void bind_engine(pybind11::module_& m);      // bind_engine.cc
void bind_calibrator(pybind11::module_& m);  // bind_calibrator.cc
void bind_runner(pybind11::module_& m);      // bind_runner.cc
void bind_policy(pybind11::module_& m);      // bind_policy.cc

}  // namespace actrt::python
