// actrt.Policy: camera frames and joint positions in, one robot action per step out
// (include/actrt/policy.h, docs/policy.md). Frames are taken without a copy (frame_arg.h); the
// GIL is released while the engine runs.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "actrt/engine.h"
#include "actrt/policy.h"
#include "bindings.h"
#include "errors.h"
#include "frame_arg.h"
#include "policy/contract_json.h"

namespace actrt::python {
namespace py = pybind11;

namespace {

PolicyOptions::Mode mode_arg(const py::object& mode) {
  if (mode.is_none()) return PolicyOptions::Mode::kContractDefault;
  const std::string m = py::cast<std::string>(mode);
  if (m == "chunked") return PolicyOptions::Mode::kChunked;
  if (m == "temporal_ensemble") return PolicyOptions::Mode::kTemporalEnsemble;
  throw_if_error(invalid_argument("Policy(mode='" + m + "'): expected None, 'chunked' or 'temporal_ensemble'"));
  return PolicyOptions::Mode::kContractDefault;
}

py::object json_to_python(const Json& j) {
  return py::module_::import("json").attr("loads")(dump_json(j, 0));
}

class PyPolicy {
 public:
  PyPolicy(const py::object& engine, const py::object& mode, int64_t chunk_steps, double ensemble_k,
           bool clamp_actions, double deadline_ms, int threads) {
    PolicyOptions o;
    o.mode = mode_arg(mode);
    o.chunk_steps = chunk_steps;
    o.ensemble_k = ensemble_k;
    o.clamp_actions = clamp_actions;
    o.deadline_ms = deadline_ms;
    o.threads = threads;
    std::shared_ptr<Engine> e;
    if (py::isinstance<py::str>(engine)) {
      const std::string path = py::cast<std::string>(engine);
      Result<std::shared_ptr<Engine>> loaded = [&] {
        py::gil_scoped_release nogil;
        return engine_from_path(path);
      }();
      e = unwrap(std::move(loaded));
    } else {
      e = py::cast<std::shared_ptr<Engine>>(engine);
    }
    Result<std::unique_ptr<Policy>> p = [&] {
      py::gil_scoped_release nogil;
      return Policy::create(e, o);
    }();
    policy_ = unwrap(std::move(p));
  }

  // {camera: frame} or [frame, ...] in the contract's order -> frames (kept alive in `args`).
  std::vector<Frame> frames_arg(const py::handle& frames, std::vector<FrameArg>& args) const {
    const PolicyContract& c = policy_->contract();
    if (py::isinstance<py::dict>(frames)) {
      const auto d = py::reinterpret_borrow<py::dict>(frames);
      for (const auto& [k, v] : d) {
        const std::string name = py::cast<std::string>(k);
        if (c.camera_index(name) < 0)
          throw_if_error(invalid_argument(fmt::format("frames: unknown camera '{}' (the policy's cameras: {})", name,
                                                      fmt::join(c.cameras, ", "))));
      }
      for (const std::string& cam : c.cameras) {
        if (!d.contains(cam))
          throw_if_error(invalid_argument(fmt::format("frames: camera '{}' is missing (the policy's cameras: {})", cam,
                                                      fmt::join(c.cameras, ", "))));
        args.push_back(frame_from_python(d[py::str(cam)], "camera '" + cam + "'"));
      }
    } else {
      const auto seq = py::reinterpret_borrow<py::sequence>(frames);
      size_t i = 0;
      for (const auto& v : seq) {
        const std::string what = i < c.cameras.size() ? "camera '" + c.cameras[i] + "'" : fmt::format("frame {}", i);
        args.push_back(frame_from_python(v, what));
        ++i;
      }
    }
    std::vector<Frame> out;
    for (const FrameArg& a : args) out.push_back(a.frame);
    return out;
  }

  py::array_t<float> step(const py::handle& frames, const py::array_t<float, py::array::c_style | py::array::forcecast>& qpos) {
    std::vector<FrameArg> keep;
    std::vector<Frame> f;
    if (!frames.is_none()) f = frames_arg(frames, keep);
    const std::span<const float> q(qpos.data(), static_cast<size_t>(qpos.size()));
    Result<PolicyStep> r = [&] {
      py::gil_scoped_release nogil;
      return frames.is_none() ? policy_->step(q) : policy_->step(f, q);
    }();
    last_ = unwrap(std::move(r));
    return py::array_t<float>(static_cast<py::ssize_t>(last_.action.size()), last_.action.data());
  }

  py::array_t<float> predict_chunk(const py::handle& frames,
                                   const py::array_t<float, py::array::c_style | py::array::forcecast>& qpos) {
    std::vector<FrameArg> keep;
    std::vector<Frame> f = frames_arg(frames, keep);
    const std::span<const float> q(qpos.data(), static_cast<size_t>(qpos.size()));
    Result<std::span<const float>> r = [&] {
      py::gil_scoped_release nogil;
      return policy_->predict_chunk(f, q);
    }();
    std::span<const float> chunk = unwrap(std::move(r));
    const PolicyContract& c = policy_->contract();
    return py::array_t<float>({c.chunk_size, c.action_dim}, chunk.data());
  }

  py::array frame_buffer(const std::string& camera, const py::object& self) {
    uint8_t* p = policy_->frame_buffer(camera);
    const PolicyContract& c = policy_->contract();
    if (!p)
      throw_if_error(invalid_argument(fmt::format("frame_buffer('{}'): unknown camera (the policy's cameras: {})",
                                                  camera, fmt::join(c.cameras, ", "))));
    // A view into the policy's own input buffer, keeping the policy alive.
    return py::array_t<uint8_t>({c.image_height, c.image_width, int64_t{3}}, p, self);
  }

  void reset() { policy_->reset(); }
  py::object contract() const { return json_to_python(policy::contract_to_json(policy_->contract())); }
  py::dict counters() const {
    const PolicyCounters& c = policy_->counters();
    py::dict d;
    d["steps"] = c.steps;
    d["queries"] = c.queries;
    d["clamped_values"] = c.clamped_values;
    d["missed_deadlines"] = c.missed_deadlines;
    d["refused"] = c.refused;
    return d;
  }
  py::dict last_step() const {
    py::dict d;
    d["queried"] = last_.queried;
    d["clamped"] = last_.clamped;
    d["latency_ms"] = last_.latency_ms;
    d["missed_deadline"] = last_.missed_deadline;
    return d;
  }
  std::string mode() const {
    return policy_->mode() == PolicyOptions::Mode::kTemporalEnsemble ? "temporal_ensemble" : "chunked";
  }
  int64_t chunk_steps() const { return policy_->chunk_steps(); }
  int64_t episode_step() const { return policy_->episode_step(); }
  std::vector<std::string> cameras() const { return policy_->contract().cameras; }

 private:
  template <typename T>
  static T unwrap(Result<T> r) {
    throw_if_error(r.status());
    return std::move(r.value());
  }

  std::unique_ptr<Policy> policy_;
  PolicyStep last_;
};

}  // namespace

void bind_policy(py::module_& m) {
  py::class_<PyPolicy>(m, "Policy",
                       "An ACT policy from a policy engine (`actrt build MODEL --policy`): camera frames and "
                       "qpos in, one action per control step out, in robot units (docs/policy.md).")
      .def(py::init<const py::object&, const py::object&, int64_t, double, bool, double, int>(),
           py::arg("engine"), py::arg("mode") = py::none(), py::arg("chunk_steps") = 0,
           py::arg("ensemble_k") = 0.01, py::arg("clamp_actions") = false, py::arg("deadline_ms") = 0.0,
           py::arg("threads") = 0,
           "engine: an Engine or an engine file path. mode: None (the contract's), 'chunked' or "
           "'temporal_ensemble'. chunk_steps: chunked mode, steps per query (0: the contract's). "
           "ensemble_k: weights exp(-k*i), i = 0 the oldest prediction. clamp_actions: clamp to the "
           "statistics' action_min/max. deadline_ms: steps slower than this are counted as missed.")
      .def("step", &PyPolicy::step, py::arg("frames"), py::arg("qpos"),
           "The action for this control step (float32 [action_dim], robot units). frames: {camera: "
           "uint8 [H, W, 3]} or a list in the contract's order (NumPy, or torch / CuPy through DLPack; "
           "CUDA tensors on CUDA engines), or None when frame_buffer() holds them.")
      .def("predict_chunk", &PyPolicy::predict_chunk, py::arg("frames"), py::arg("qpos"),
           "One query without touching the episode: float32 [chunk_size, action_dim], robot units.")
      .def("reset", &PyPolicy::reset, "Forgets the episode (queued actions, stored chunks); call between episodes.")
      .def(
          "frame_buffer",
          [](const py::object& self, const std::string& camera) {
            return self.cast<PyPolicy&>().frame_buffer(camera, self);
          },
          py::arg("camera"),
           "The policy's own input buffer of `camera` as a writable uint8 [H, W, 3] array: write the frame "
           "there and call step(None, qpos) (zero copy; pinned memory on CUDA).")
      .def_property_readonly("contract", &PyPolicy::contract, "The policy contract (dict), as `actrt inspect` shows it.")
      .def_property_readonly("cameras", &PyPolicy::cameras, "Camera names in the policy's order.")
      .def_property_readonly("mode", &PyPolicy::mode, "'chunked' or 'temporal_ensemble'.")
      .def_property_readonly("chunk_steps", &PyPolicy::chunk_steps, "Chunked mode: steps per query.")
      .def_property_readonly("episode_step", &PyPolicy::episode_step, "Steps since reset().")
      .def_property_readonly("counters", &PyPolicy::counters,
                             "{steps, queries, clamped_values, missed_deadlines, refused} since creation.")
      .def_property_readonly("last_step", &PyPolicy::last_step,
                             "{queried, clamped, latency_ms, missed_deadline} of the last step().");
}

}  // namespace actrt::python
