// The compiled part of `import actrt` (python/actrt/__init__.py re-exports it). See docs/python.md.
#include <pybind11/pybind11.h>

#include "actrt/log.h"
#include "bindings.h"
#include "errors.h"
#include "numpy_tensor.h"

namespace py = pybind11;

PYBIND11_MODULE(_actrt, m) {
  m.doc() = "actrt's compiled bindings; use the `actrt` package, which re-exports them.";
  actrt::python::bind_errors(m);
  actrt::python::bind_tensor_info(m);
  actrt::python::bind_engine(m);
  actrt::python::bind_calibrator(m);
  actrt::python::bind_runner(m);
  actrt::python::bind_policy(m);
  m.def(
      "set_log_level",
      [](const std::string& level) {
        static const std::pair<const char*, actrt::LogLevel> kLevels[] = {
            {"verbose", actrt::LogLevel::kVerbose}, {"info", actrt::LogLevel::kInfo},
            {"warning", actrt::LogLevel::kWarning}, {"error", actrt::LogLevel::kError}};
        for (const auto& [name, l] : kLevels)
          if (level == name) return actrt::set_log_level(l);
        actrt::python::throw_if_error(actrt::invalid_argument(
            "set_log_level('" + level + "'): expected verbose, info, warning or error"));
      },
      py::arg("level"), "Sets actrt's stderr logging threshold: verbose, info, warning, error.");
}
