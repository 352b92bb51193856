// The engine runner: infer() takes NumPy inputs without a copy (numpy_tensor.h) and releases the
// GIL while the engine runs, so several runners infer at once from several threads.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "actrt/engine.h"
#include "actrt/runner.h"
#include "actrt/runners.h"
#include "bindings.h"
#include "errors.h"
#include "numpy_tensor.h"

namespace actrt::python {
namespace py = pybind11;

namespace {

class NativeEngineRunner {
 public:
  NativeEngineRunner(std::shared_ptr<Engine> engine, std::string name, int threads)
      : engine_(std::move(engine)), inputs_(engine_->inputs()) {
    EngineRunnerOptions o;
    o.threads = threads;
    std::shared_ptr<Engine> e = engine_;
    runner_ = make_engine_runner([e]() -> Result<std::shared_ptr<Engine>> { return e; },
                                 std::move(name), o);
  }

  const std::string& name() const { return runner_->name(); }
  bool is_active() const { return runner_->is_active(); }
  void activate() {
    Status s = [&] {
      py::gil_scoped_release nogil;
      return runner_->activate();
    }();
    throw_if_error(s);
  }
  void deactivate() { throw_if_error(runner_->deactivate()); }

  py::dict infer(const py::handle& feed_dict) {
    TensorMap feed = feed_from_python(feed_dict, inputs_);
    last_pointers_.clear();
    for (const auto& [name, t] : feed)
      last_pointers_[name] = reinterpret_cast<uintptr_t>(t.raw_data());
    Result<TensorMap> out = [&] {
      py::gil_scoped_release nogil;
      return runner_->infer(feed);
    }();
    throw_if_error(out.status());
    return tensor_map_to_python(out.value());
  }

  // For each of `iterations` runner->infer(feed) calls made from C++ (one feed converted once):
  // wall seconds of the call minus last_inference_time(), i.e. what the C++ runner spends outside
  // its own timer (feed check, result return); bench/python_overhead.py subtracts it.
  std::vector<double> time_native_loop(const py::handle& feed_dict, int iterations) {
    TensorMap feed = feed_from_python(feed_dict, inputs_);
    std::vector<double> seconds;
    seconds.reserve(static_cast<size_t>(std::max(iterations, 0)));
    Status status;
    {
      py::gil_scoped_release nogil;
      for (int i = 0; i < iterations && status.ok(); ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        Result<TensorMap> out = runner_->infer(feed);
        const double wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        seconds.push_back(wall - runner_->last_inference_time_ms() / 1000.0);
        status = out.status();
      }
    }
    throw_if_error(status);
    return seconds;
  }

  double last_inference_time() const { return runner_->last_inference_time_ms() / 1000.0; }
  std::vector<TensorInfo> input_metadata() const { return inputs_; }
  std::vector<TensorInfo> output_metadata() const { return engine_->outputs(); }
  const std::map<std::string, uintptr_t>& last_feed_pointers() const { return last_pointers_; }

 private:
  std::shared_ptr<Engine> engine_;
  std::vector<TensorInfo> inputs_;
  std::unique_ptr<Runner> runner_;
  std::map<std::string, uintptr_t> last_pointers_;
};

}  // namespace

void bind_runner(py::module_& m) {
  py::class_<NativeEngineRunner>(m, "NativeEngineRunner",
                                 "The C++ engine runner behind actrt.EngineRunner.")
      .def(py::init<std::shared_ptr<Engine>, std::string, int>(), py::arg("engine"),
           py::arg("name") = "", py::arg("threads") = 0)
      .def_property_readonly("name", &NativeEngineRunner::name, "The runner's name.")
      .def_property_readonly("is_active", &NativeEngineRunner::is_active, "Whether activated.")
      .def("activate", &NativeEngineRunner::activate, "Creates the execution context.")
      .def("deactivate", &NativeEngineRunner::deactivate, "Frees the execution context.")
      .def("infer", &NativeEngineRunner::infer, py::arg("feed_dict"),
           "Runs one inference: {input name: array} -> {output name: array} (GIL released).")
      .def("_time_native_loop", &NativeEngineRunner::time_native_loop, py::arg("feed_dict"),
           py::arg("iterations"),
           "Bench: per C++-side infer() call, wall seconds minus last_inference_time().")
      .def("last_inference_time", &NativeEngineRunner::last_inference_time,
           "Seconds the last infer() took inside the engine (host to host).")
      .def("get_input_metadata", &NativeEngineRunner::input_metadata, "list[TensorInfo].")
      .def("get_output_metadata", &NativeEngineRunner::output_metadata, "list[TensorInfo].")
      .def("_last_feed_pointers", &NativeEngineRunner::last_feed_pointers,
           "Debug: {input name: address of the data the C++ runner received} of the last infer().");

  m.def(
      "_debug_data_pointer",
      [](const py::handle& array) {
        Tensor t = tensor_from_python(array, DataType::kUndefined, "array");
        return reinterpret_cast<uintptr_t>(t.raw_data());
      },
      py::arg("array"),
      "Debug: the address of the data a Tensor made from `array` points at (equal to "
      "array.ctypes.data when no copy was made).");
}

}  // namespace actrt::python
