// Networks, builder configs, engines and the eager loader functions (the lazy PascalCase loaders
// are Python, python/actrt/loaders.py, on top of these). The GIL is released while actrt works.
#include <memory>
#include <string>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "actrt/builder_config.h"
#include "actrt/calibrator.h"
#include "actrt/engine.h"
#include "actrt/network.h"
#include "actrt/policy_contract.h"
#include "actrt/version.h"
#include "bindings.h"
#include "errors.h"
#include "numpy_tensor.h"

namespace actrt::python {
namespace py = pybind11;

namespace {

BackendKind backend_arg(const std::string& name) {
  auto b = backend_from_name(name);
  if (!b) throw_if_error(invalid_argument("backend '" + name + "': expected 'cpu' or 'cuda'"));
  return *b;
}

std::map<std::string, Shape> shapes_arg(const py::object& shapes) {
  std::map<std::string, Shape> out;
  if (shapes.is_none()) return out;
  for (auto [k, v] : py::cast<py::dict>(shapes)) out[py::cast<std::string>(k)] = py::cast<Shape>(v);
  return out;
}

}  // namespace

void bind_engine(py::module_& m) {
  m.def("version", [] { return std::string(version_string()); }, "actrt's version, e.g. '0.1.0'.");

  py::class_<Network, std::shared_ptr<Network>>(
      m, "Network", "An imported, optimized ONNX model, ready to build engines from.")
      .def_property_readonly("source", &Network::source, "The file it was imported from.")
      .def_property_readonly("inputs", &Network::inputs, "list[TensorInfo] of the graph inputs.")
      .def_property_readonly("outputs", &Network::outputs, "list[TensorInfo] of the graph outputs.")
      .def("dump", &Network::dump, "The readable graph dump (as `actrt inspect --graph`).")
      .def("__repr__", [](const Network& n) { return "<actrt.Network '" + n.source() + "'>"; });

  m.def(
      "_network_from_onnx_path",
      [](const std::string& path, const py::object& input_shapes, bool optimize,
         std::vector<std::string> disabled_passes, const py::object& policy) {
        NetworkOptions o;
        o.input_shapes = shapes_arg(input_shapes);
        o.optimize = optimize;
        o.disabled_passes = std::move(disabled_passes);
        if (!policy.is_none()) {
          // {cameras, stats, camera_format}, each optional (policy_contract_from_model_files).
          PolicyContractSources src;
          const auto d = py::cast<py::dict>(policy);
          for (const auto& [k, v] : d) {
            const std::string key = py::cast<std::string>(k);
            if (key == "cameras") src.cameras = py::cast<std::vector<std::string>>(v);
            else if (key == "stats") src.stats_path = py::cast<std::string>(v);
            else if (key == "camera_format") src.camera_format = py::cast<std::string>(v);
            else throw_if_error(invalid_argument("policy: unknown key '" + key + "' (expected cameras, stats, camera_format)"));
          }
          o.policy = unwrap(policy_contract_from_model_files(path, src));
        }
        Result<std::shared_ptr<Network>> r = [&] {
          py::gil_scoped_release nogil;
          return network_from_onnx_path_shared(path, o);
        }();
        return unwrap(std::move(r));
      },
      py::arg("path"), py::arg("input_shapes") = py::none(), py::arg("optimize") = true,
      py::arg("disabled_passes") = std::vector<std::string>{}, py::arg("policy") = py::none(),
      "Imports (and optimizes) an ONNX model now; policy: None, or {cameras, stats, camera_format} "
      "(each optional) for a policy network (docs/policy.md).");

  py::class_<BuilderConfig>(m, "BuilderConfig",
                            "How to build an engine (include/actrt/builder_config.h); "
                            "made by CreateConfig / create_config.")
      .def(py::init<>())
      .def_property(
          "backend", [](const BuilderConfig& c) { return std::string(backend_name(c.backend)); },
          [](BuilderConfig& c, const std::string& b) { c.backend = backend_arg(b); },
          "'cpu' or 'cuda'.")
      .def_readwrite("tf32", &BuilderConfig::tf32, "GPU matrix math in TF32.")
      .def_readwrite("fp16", &BuilderConfig::fp16, "Allow FP16 layers.")
      .def_readwrite("bf16", &BuilderConfig::bf16, "GPU matrix products in BF16.")
      .def_readwrite("int8", &BuilderConfig::int8, "Allow INT8 layers (needs a calibrator).")
      .def_readwrite("calibrator", &BuilderConfig::calibrator, "The native calibrator, or None.")
      .def_property(
          "layer_precisions",
          [](const BuilderConfig& c) {
            std::map<std::string, std::string> out;
            for (const auto& [k, p] : c.layer_precisions) out[k] = std::string(precision_name(p));
            return out;
          },
          [](BuilderConfig& c, const std::map<std::string, std::string>& in) {
            c.layer_precisions.clear();
            for (const auto& [k, v] : in) {
              auto p = precision_from_name(v);
              if (!p) throw_if_error(invalid_argument("layer_precisions['" + k + "'] = '" + v +
                                                      "': expected fp32, tf32, fp16, bf16 or int8"));
              c.layer_precisions[k] = *p;
            }
          },
          "Per-layer precision overrides by node name: {'encoder/norm1': 'fp32'}.")
      .def_readwrite("threads", &BuilderConfig::threads, "CPU threads (0: all cores).")
      .def_readwrite("seed", &BuilderConfig::seed, "Seed for anything random in the build.")
      .def_readwrite("deterministic", &BuilderConfig::deterministic,
                     "GPU: pick kernels without timing them.")
      .def_readwrite("timing_cache_path", &BuilderConfig::timing_cache_path,
                     "GPU kernel timing cache file ('' = none).")
      .def_readwrite("disabled_passes", &BuilderConfig::disabled_passes,
                     "Backend pass names to skip.");

  py::class_<Engine, std::shared_ptr<Engine>>(m, "Engine",
                                              "A network compiled for one backend.")
      .def_property_readonly("backend",
                             [](const Engine& e) { return std::string(backend_name(e.backend())); },
                             "'cpu' or 'cuda'.")
      .def_property_readonly("target", &Engine::target, "The machine it was built for.")
      .def_property_readonly("inputs", &Engine::inputs, "list[TensorInfo] of the inputs.")
      .def_property_readonly("outputs", &Engine::outputs, "list[TensorInfo] of the outputs.")
      .def_property_readonly(
          "layers",
          [](const Engine& e) {
            py::list out;
            for (const LayerInfo& l : e.layers()) {
              py::dict d;
              d["name"] = l.name;
              d["op_type"] = l.op_type;
              d["kernel"] = l.kernel;
              d["precision"] = std::string(precision_name(l.precision));
              d["output_shape"] = py::tuple(py::cast(l.output_shape));
              out.append(d);
            }
            return out;
          },
          "list of dicts {name, op_type, kernel, precision, output_shape}, one per layer.")
      .def_property_readonly("metadata", &Engine::metadata, "Build settings (dict of str).")
      .def_property_readonly("weight_bytes", &Engine::weight_bytes, "Bytes of weights held.")
      .def(
          "serialize", [](const Engine& e) { return py::bytes(unwrap(e.serialize())); },
          "The engine file's bytes.")
      .def("__repr__", [](const Engine& e) {
        return "<actrt.Engine backend=" + std::string(backend_name(e.backend())) + " target=" +
               e.target() + ">";
      });

  m.def(
      "_engine_from_network",
      [](std::shared_ptr<Network> network, const BuilderConfig& config) {
        Result<std::shared_ptr<Engine>> r = [&] {
          py::gil_scoped_release nogil;
          return engine_from_network(*network, config);
        }();
        return unwrap(std::move(r));
      },
      py::arg("network"), py::arg("config"), "Builds an engine now.");
  m.def(
      "_engine_from_bytes",
      [](const py::bytes& bytes, const std::string& source) {
        std::string_view view = bytes;  // borrowed: the bytes object outlives the call
        Result<std::shared_ptr<Engine>> r = [&] {
          py::gil_scoped_release nogil;
          return engine_from_bytes(view, source);
        }();
        return unwrap(std::move(r));
      },
      py::arg("serialized_engine"), py::arg("source") = "<engine bytes>",
      "Loads an engine from its file's bytes now.");
  m.def(
      "_save_engine",
      [](const Engine& engine, const std::string& path, bool overwrite) {
        Status s = [&] {
          py::gil_scoped_release nogil;
          return save_engine(engine, path, overwrite);
        }();
        throw_if_error(s);
      },
      py::arg("engine"), py::arg("path"), py::arg("overwrite") = false,
      "Writes the engine file; refuses to replace one unless overwrite.");
  m.def(
      "bytes_from_path",
      [](const std::string& path) { return py::bytes(unwrap(bytes_from_path(path))); },
      py::arg("path"), "Reads a whole file as bytes (for engine_from_bytes).");
}

}  // namespace actrt::python
