// Native INT8 calibrators over feeds that Python produced (any iterable of feed dicts; the Python
// wrapper, python/actrt/calibrator.py, drains it once, at build time).
#include <memory>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "actrt/calibrator.h"
#include "actrt/data_loader.h"
#include "bindings.h"
#include "errors.h"
#include "numpy_tensor.h"

namespace actrt::python {
namespace py = pybind11;

namespace {

// A DataLoader over feeds already in memory (the tensors view the NumPy arrays, no copy).
class FeedListLoader : public DataLoader {
 public:
  explicit FeedListLoader(std::vector<TensorMap> feeds) : feeds_(std::move(feeds)) {}
  size_t size() const override { return feeds_.size(); }
  Result<TensorMap> get(size_t i) const override {
    if (i >= feeds_.size())
      return invalid_argument("calibration feed " + std::to_string(i) + " requested, but the " +
                              "data loader gave " + std::to_string(feeds_.size()));
    return feeds_[i];
  }

 private:
  std::vector<TensorMap> feeds_;
};

}  // namespace

void bind_calibrator(py::module_& m) {
  py::class_<Calibrator, std::shared_ptr<Calibrator>>(
      m, "NativeCalibrator", "The C++ calibrator that a BuilderConfig holds (see actrt.Calibrator).")
      .def_property_readonly("uses_existing_cache", &Calibrator::uses_existing_cache,
                             "True when the cache file exists, so no calibration will run.")
      .def_property_readonly(
          "algo",
          [](const Calibrator& c) {
            return std::string(calibration_algorithm_name(c.options().algorithm));
          },
          "'entropy', 'minmax' or 'percentile'.")
      .def_property_readonly("cache", [](const Calibrator& c) { return c.options().cache_path; },
                             "The calibration cache path ('' = none).");

  m.def(
      "_make_calibrator",
      [](const py::object& feeds, const std::string& cache, const std::string& algo,
         double percentile, size_t samples, bool show_progress) {
        CalibratorOptions o;
        auto a = calibration_algorithm_from_name(algo);
        if (!a) throw_if_error(invalid_argument("Calibrator algo '" + algo +
                                                "': expected entropy, minmax or percentile"));
        o.algorithm = *a;
        o.percentile = percentile;
        o.samples = samples;
        o.cache_path = cache;
        o.show_progress = show_progress;
        if (!feeds.is_none()) {
          std::vector<TensorMap> list;
          for (py::handle feed : feeds) list.push_back(feed_from_python(feed, {}));
          o.data = std::make_shared<FeedListLoader>(std::move(list));
        }
        return unwrap(make_calibrator(std::move(o)));
      },
      py::arg("feeds"), py::arg("cache") = "", py::arg("algo") = "entropy",
      py::arg("percentile") = 99.99, py::arg("samples") = 0, py::arg("show_progress") = false,
      "A native calibrator over a list of feed dicts (or None with an existing cache).");
}

}  // namespace actrt::python
