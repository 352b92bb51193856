// The ACT policy runtime: camera frames and joint positions in, robot actions out.
//
//   ASSIGN_OR_RETURN(auto policy, actrt::Policy::load("act.engine"));   // a `build --policy` engine
//   policy->reset();                                                    // a new episode
//   for (;;) {
//     actrt::Frame frames[] = {{top_pixels, 480, 640}, {wrist_pixels, 480, 640}};  // contract order
//     ASSIGN_OR_RETURN(actrt::PolicyStep s, policy->step(frames, qpos));
//     send_to_robot(s.action);                                          // robot units
//   }
//
// A policy engine (`actrt build MODEL --policy`) carries its PolicyContract: the cameras in the
// order the policy was trained with, their size and channel order, the state and action sizes,
// the chunk size and the normalization statistics. Its inputs are one uint8 HWC frame per camera
// (named after the camera) and the raw qpos; its output is the action chunk in robot units. The
// /255, HWC->CHW, camera stacking, qpos normalization and action de-normalization are graph
// operations run by the engine's backend (docs/policy.md).
//
// Two ways to turn chunks into one action per control step, as the original imitate_episodes.py:
//   - chunked (open loop): query every `chunk_steps` steps and play the chunk's actions in turn;
//   - temporal ensembling: query every step; the action for step t is the average of every
//     stored chunk's prediction for t, weighted exp(-k*i) with i = 0 the OLDEST prediction,
//     normalized. An explicit mask marks which predictions exist (the original code instead
//     treats an exact 0.0 action as missing).
//
// Fail closed: NaN/Inf in qpos or in the predicted actions is an error and no action; actions can
// be clamped to the statistics' min/max (counted); steps slower than a deadline are counted.
//
// One Policy per robot (not thread-safe: one thread at a time); several Policies may share one
// Engine, each with its own execution context, from different threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "actrt/engine.h"
#include "actrt/policy_contract.h"
#include "actrt/status.h"

namespace actrt {

// One camera frame: height x width x 3 uint8 pixels (HWC) in the contract's channel order.
struct Frame {
  enum class Memory {
    kHost,    // ordinary or pinned host memory
    kDevice,  // CUDA device memory (CUDA engines only): not copied through the host
  };
  const void* data = nullptr;
  int64_t height = 0, width = 0;
  int64_t channels = 3;
  int64_t row_stride = 0;  // bytes from one row to the next (0: width * channels, packed)
  Memory memory = Memory::kHost;
};

struct PolicyOptions {
  enum class Mode {
    kContractDefault,    // the contract's: ensembling if temporal_ensemble_coeff, else chunked
    kChunked,            // query every chunk_steps steps, play the chunk open loop
    kTemporalEnsemble,   // query every step, average the overlapping predictions
  };
  Mode mode = Mode::kContractDefault;
  int64_t chunk_steps = 0;       // chunked: 0 = contract n_action_steps, else chunk_size
  double ensemble_k = 0.01;      // temporal ensembling weight exp(-k*i) (contract's when set)
  bool clamp_actions = false;    // clamp to the contract's action_min/max (needs them)
  double deadline_ms = 0;        // a step slower than this is counted as missed (0: none)
  int threads = 0;               // CPU engines: threads (0: the engine's setting)
};

// What one control step produced. `action` points into the Policy and stays valid until its next
// call.
struct PolicyStep {
  std::span<const float> action;  // action_dim values, robot units
  bool queried = false;           // the engine ran this step (a new chunk)
  int64_t clamped = 0;            // values clamped this step
  double latency_ms = 0;          // wall time of this step()
  bool missed_deadline = false;
};

// Counters since the Policy was created (reset() does not clear them).
struct PolicyCounters {
  int64_t steps = 0, queries = 0;
  int64_t clamped_values = 0;
  int64_t missed_deadlines = 0;
  int64_t refused = 0;  // steps that returned an error (bad input, non-finite values)
};

class Policy {
 public:
  // From an engine built with `actrt build --policy` (file, bytes or loaded engine). An engine
  // without a contract is refused with what to do.
  static Result<std::unique_ptr<Policy>> load(const std::string& engine_path,
                                              const PolicyOptions& options = {});
  static Result<std::unique_ptr<Policy>> from_bytes(std::string_view engine_bytes,
                                                    const PolicyOptions& options = {});
  static Result<std::unique_ptr<Policy>> create(std::shared_ptr<const Engine> engine,
                                                const PolicyOptions& options = {});
  ~Policy();

  const PolicyContract& contract() const;
  const Engine& engine() const;
  PolicyOptions::Mode mode() const;  // kChunked or kTemporalEnsemble (never kContractDefault)
  int64_t chunk_steps() const;       // chunked mode: steps per query

  // The action for this control step. `frames`: one per contract camera, in contract order.
  Result<PolicyStep> step(std::span<const Frame> frames, std::span<const float> qpos);
  // The same, with the frames already written into frame_buffer(camera) (zero copy).
  Result<PolicyStep> step(std::span<const float> qpos);
  // One query, without touching the episode state: [chunk_size, action_dim] in robot units,
  // valid until the next call.
  Result<std::span<const float>> predict_chunk(std::span<const Frame> frames,
                                               std::span<const float> qpos);
  // The chunk of the last query (step or predict_chunk): [chunk_size, action_dim] robot units;
  // empty before the first.
  std::span<const float> last_chunk() const;
  // Forgets the episode (queued actions, stored chunks, step count); call between episodes.
  void reset();

  // The input buffer of `camera` (height * width * 3 bytes, packed HWC): write the next frame
  // there and call step(qpos). On CUDA it is the pinned staging the upload reads. nullptr for an
  // unknown camera.
  uint8_t* frame_buffer(const std::string& camera);

  const PolicyCounters& counters() const;
  int64_t episode_step() const;  // steps since reset()

 private:
  struct Impl;
  explicit Policy(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The contract stored in `engine`, or an error saying the engine is not a policy engine.
Result<PolicyContract> policy_contract_of(const Engine& engine);

}  // namespace actrt
