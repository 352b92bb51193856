// actrt::Policy (include/actrt/policy.h): frames and qpos in, one action per step out.
#include "actrt/policy.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "policy/action_selector.h"
#include "policy/contract_json.h"
#include "runtime/backend.h"
#include "runtime/plan.h"

namespace actrt {

Result<PolicyContract> policy_contract_of(const Engine& engine) {
  const auto& meta = engine.metadata();
  auto it = meta.find(policy::kPolicyContractKey);
  if (it == meta.end())
    return invalid_argument(
        "the engine is not a policy engine (it has no policy contract): build it with "
        "`actrt build MODEL --policy` (docs/policy.md)");
  return policy::contract_from_text(it->second, "engine metadata");
}

struct Policy::Impl {
  std::shared_ptr<const Engine> engine;
  PolicyContract contract;
  PolicyOptions options;
  PolicyOptions::Mode mode = PolicyOptions::Mode::kChunked;
  int64_t chunk_steps = 0;
  bool device_frames = false;  // the context takes device pointers
  std::unique_ptr<runtime::ExecutionContext> context;
  std::unique_ptr<policy::ActionSelector> selector;
  std::vector<Tensor> frame_buffers;  // one per camera, packed HWC
  Tensor qpos;                        // [state_dim]
  runtime::TensorMap feed, outputs;
  std::vector<float> chunk;           // [chunk_size, action_dim], the last query's
  std::vector<float> action;          // [action_dim]
  PolicyCounters counters;
  int64_t episode_step = 0;
  bool queried_once = false;  // predict_chunk counts too

  int64_t frame_bytes() const { return contract.image_height * contract.image_width * 3; }

  Status check_qpos(std::span<const float> q) const {
    if (static_cast<int64_t>(q.size()) != contract.state_dim)
      return invalid_argument(fmt::format("policy: qpos has {} values, the policy expects state_dim = {}",
                                          q.size(), contract.state_dim));
    for (size_t i = 0; i < q.size(); ++i)
      if (!std::isfinite(q[i]))
        return invalid_argument(fmt::format("policy: qpos[{}] is {} (not finite): no action", i, q[i]));
    return ok_status();
  }

  // Checks every frame and points the feed at it (a packed host frame in place, a strided one
  // copied into the camera's buffer, a device frame as is on CUDA).
  Status bind_frames(std::span<const Frame> frames) {
    const auto& cams = contract.cameras;
    if (frames.size() != cams.size()) {
      std::string names;
      for (const auto& c : cams) names += (names.empty() ? "" : ", ") + c;
      return invalid_argument(fmt::format(
          "policy: {} frames given, the policy expects {} (cameras in this order: {}){}",
          frames.size(), cams.size(), names,
          frames.size() < cams.size() ? fmt::format("; missing '{}'", cams[frames.size()]) : ""));
    }
    const int64_t h = contract.image_height, w = contract.image_width;
    for (size_t i = 0; i < frames.size(); ++i) {
      const Frame& f = frames[i];
      const std::string& cam = cams[i];
      if (!f.data) return invalid_argument(fmt::format("policy: camera '{}': the frame's data is null", cam));
      if (f.height != h || f.width != w)
        return invalid_argument(fmt::format("policy: camera '{}': frame is {}x{} (HxW), the policy expects {}x{}",
                                            cam, f.height, f.width, h, w));
      if (f.channels != 3)
        return invalid_argument(fmt::format("policy: camera '{}': frame has {} channels, the policy expects 3 ({})",
                                            cam, f.channels, camera_format_name(contract.camera_format)));
      const int64_t packed = w * 3;
      const int64_t stride = f.row_stride == 0 ? packed : f.row_stride;
      if (stride < packed)
        return invalid_argument(fmt::format("policy: camera '{}': row stride {} bytes is less than a row ({} bytes)",
                                            cam, stride, packed));
      Tensor& buffer = frame_buffers[i];
      if (f.memory == Frame::Memory::kDevice) {
        if (!device_frames)
          return invalid_argument(fmt::format(
              "policy: camera '{}': a device frame was given to a {} policy engine (host frames only)", cam,
              backend_name(engine->backend())));
        if (stride != packed)
          return invalid_argument(fmt::format(
              "policy: camera '{}': device frames must be packed (row stride {} bytes, expected {})", cam,
              stride, packed));
        feed[cam] = Tensor::wrap_external(DataType::kUInt8, {h, w, 3}, const_cast<void*>(f.data), nullptr);
        continue;
      }
      if (f.data == buffer.raw_data()) {
        feed[cam] = buffer;
      } else if (stride == packed && !device_frames) {
        // The CPU reads the caller's frame where it is.
        feed[cam] = Tensor::wrap_external(DataType::kUInt8, {h, w, 3}, const_cast<void*>(f.data), nullptr);
      } else {
        const auto* src = static_cast<const uint8_t*>(f.data);
        auto* dst = buffer.data<uint8_t>();
        if (stride == packed) {
          std::memcpy(dst, src, static_cast<size_t>(frame_bytes()));
        } else {
          for (int64_t r = 0; r < h; ++r) std::memcpy(dst + r * packed, src + r * stride, static_cast<size_t>(packed));
        }
        feed[cam] = buffer;
      }
    }
    return ok_status();
  }

  // Runs the engine on the bound feed; fills `chunk` or fails on a non-finite action.
  Status query(std::span<const float> q) {
    std::memcpy(qpos.raw_data(), q.data(), q.size() * sizeof(float));
    feed[PolicyContract::kQposInput] = qpos;
    RETURN_IF_ERROR(context->infer(feed, outputs));
    auto it = outputs.find(PolicyContract::kActionsOutput);
    if (it == outputs.end()) return internal_error("policy engine produced no 'actions'");
    const Tensor& a = it->second;
    if (a.dtype() != DataType::kFloat32 || static_cast<size_t>(a.numel()) != chunk.size())
      return internal_error(fmt::format("policy engine's 'actions' is {} {}, expected f32 {}x{}",
                                        dtype_name(a.dtype()), shape_to_string(a.shape()),
                                        contract.chunk_size, contract.action_dim));
    const float* p = a.data<float>();
    for (size_t i = 0; i < chunk.size(); ++i)
      if (!std::isfinite(p[i]))
        return Status(StatusCode::kInternal,
                      fmt::format("policy: the engine predicted a non-finite action ({} at chunk step {}, "
                                  "joint {}): no action",
                                  p[i], i / static_cast<size_t>(contract.action_dim),
                                  i % static_cast<size_t>(contract.action_dim)));
    std::memcpy(chunk.data(), p, chunk.size() * sizeof(float));
    queried_once = true;
    return ok_status();
  }

  int64_t clamp(std::span<float> a) const {
    if (!options.clamp_actions) return 0;
    int64_t n = 0;
    for (size_t d = 0; d < a.size(); ++d) {
      const float lo = contract.action_min[d], hi = contract.action_max[d];
      if (a[d] < lo) a[d] = lo, ++n;
      else if (a[d] > hi) a[d] = hi, ++n;
    }
    return n;
  }

  Result<PolicyStep> step(std::span<const Frame>* frames, std::span<const float> q) {
    const auto t0 = std::chrono::steady_clock::now();
    auto refuse = [&](Status s) -> Result<PolicyStep> {
      ++counters.refused;
      return s;
    };
    if (Status s = check_qpos(q); !s.ok()) return refuse(s);
    PolicyStep out;
    if (selector->needs_query()) {
      if (frames) {
        if (Status s = bind_frames(*frames); !s.ok()) return refuse(s);
      } else {
        for (size_t i = 0; i < contract.cameras.size(); ++i) feed[contract.cameras[i]] = frame_buffers[i];
      }
      if (Status s = query(q); !s.ok()) return refuse(s);
      selector->add_chunk(chunk);
      out.queried = true;
      ++counters.queries;
    }
    selector->next_action(action);
    out.clamped = clamp(action);
    counters.clamped_values += out.clamped;
    out.action = action;
    ++counters.steps;
    ++episode_step;
    out.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (options.deadline_ms > 0 && out.latency_ms > options.deadline_ms) {
      out.missed_deadline = true;
      ++counters.missed_deadlines;
    }
    return out;
  }
};

Policy::Policy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Policy::~Policy() = default;

Result<std::unique_ptr<Policy>> Policy::load(const std::string& engine_path, const PolicyOptions& options) {
  ASSIGN_OR_RETURN(std::shared_ptr<Engine> engine, engine_from_path(engine_path));
  Result<std::unique_ptr<Policy>> p = create(std::move(engine), options);
  if (!p.ok()) return p.status().with_context(engine_path);
  return p;
}

Result<std::unique_ptr<Policy>> Policy::from_bytes(std::string_view bytes, const PolicyOptions& options) {
  ASSIGN_OR_RETURN(std::shared_ptr<Engine> engine, engine_from_bytes(bytes));
  return create(std::move(engine), options);
}

Result<std::unique_ptr<Policy>> Policy::create(std::shared_ptr<const Engine> engine, const PolicyOptions& options) {
  if (!engine) return invalid_argument("Policy::create: no engine");
  auto impl = std::make_unique<Impl>();
  ASSIGN_OR_RETURN(impl->contract, policy_contract_of(*engine));
  const PolicyContract& c = impl->contract;
  impl->engine = std::move(engine);
  impl->options = options;

  // The mode: asked for, else the contract's (ensembling when it names a coefficient).
  using Mode = PolicyOptions::Mode;
  impl->mode = options.mode != Mode::kContractDefault ? options.mode
               : c.temporal_ensemble_coeff            ? Mode::kTemporalEnsemble
                                                      : Mode::kChunked;
  if (options.chunk_steps < 0 || options.chunk_steps > c.chunk_size)
    return invalid_argument(fmt::format("policy: chunk_steps = {} is outside [1, chunk_size = {}]",
                                        options.chunk_steps, c.chunk_size));
  if (!std::isfinite(options.ensemble_k) || !std::isfinite(options.deadline_ms) || options.deadline_ms < 0)
    return invalid_argument("policy: ensemble_k and deadline_ms must be finite (deadline_ms >= 0)");
  if (options.clamp_actions && c.action_min.empty())
    return invalid_argument(
        "policy: clamp_actions needs action_min / action_max, which this engine's contract does not have "
        "(give statistics with them to `actrt build --policy --stats`)");
  impl->chunk_steps = options.chunk_steps > 0 ? options.chunk_steps
                      : c.n_action_steps > 0  ? c.n_action_steps
                                              : c.chunk_size;
  if (impl->mode == Mode::kTemporalEnsemble) {
    const double k = options.mode == Mode::kContractDefault && c.temporal_ensemble_coeff
                         ? *c.temporal_ensemble_coeff
                         : options.ensemble_k;
    impl->selector = std::make_unique<policy::TemporalEnsembler>(c.chunk_size, c.action_dim, k);
  } else {
    impl->selector = std::make_unique<policy::ChunkQueue>(c.chunk_size, c.action_dim, impl->chunk_steps);
  }

  const runtime::Backend* backend = runtime::find_backend(impl->engine->backend());
  if (!backend) return unsupported(runtime::backend_missing_reason(impl->engine->backend()));
  runtime::ContextOptions co;
  co.threads = options.threads;
  ASSIGN_OR_RETURN(impl->context, backend->create_context(impl->engine->plan(), co));
  impl->device_frames = impl->context->accepts_device_inputs();
  for (const std::string& cam : c.cameras) {
    const Shape shape{c.image_height, c.image_width, 3};
    if (void* staging = impl->context->host_input_buffer(cam))
      impl->frame_buffers.push_back(Tensor::wrap_external(DataType::kUInt8, shape, staging, nullptr));
    else
      impl->frame_buffers.emplace_back(DataType::kUInt8, shape);
  }
  impl->qpos = Tensor(DataType::kFloat32, {c.state_dim});
  impl->chunk.assign(static_cast<size_t>(c.chunk_size * c.action_dim), 0.f);
  impl->action.assign(static_cast<size_t>(c.action_dim), 0.f);
  return std::unique_ptr<Policy>(new Policy(std::move(impl)));
}

const PolicyContract& Policy::contract() const { return impl_->contract; }
const Engine& Policy::engine() const { return *impl_->engine; }
PolicyOptions::Mode Policy::mode() const { return impl_->mode; }
int64_t Policy::chunk_steps() const { return impl_->chunk_steps; }
const PolicyCounters& Policy::counters() const { return impl_->counters; }
int64_t Policy::episode_step() const { return impl_->episode_step; }

Result<PolicyStep> Policy::step(std::span<const Frame> frames, std::span<const float> qpos) {
  return impl_->step(&frames, qpos);
}

Result<PolicyStep> Policy::step(std::span<const float> qpos) { return impl_->step(nullptr, qpos); }

Result<std::span<const float>> Policy::predict_chunk(std::span<const Frame> frames, std::span<const float> qpos) {
  RETURN_IF_ERROR(impl_->check_qpos(qpos));
  RETURN_IF_ERROR(impl_->bind_frames(frames));
  RETURN_IF_ERROR(impl_->query(qpos));
  return std::span<const float>(impl_->chunk);
}

std::span<const float> Policy::last_chunk() const {
  return impl_->queried_once ? std::span<const float>(impl_->chunk)
                                                            : std::span<const float>();
}

void Policy::reset() {
  impl_->selector->reset();
  impl_->episode_step = 0;
}

uint8_t* Policy::frame_buffer(const std::string& camera) {
  const int i = impl_->contract.camera_index(camera);
  return i < 0 ? nullptr : impl_->frame_buffers[static_cast<size_t>(i)].data<uint8_t>();
}

}  // namespace actrt
