// Replaying recorded ACT episodes through a Policy as a robot would (`actrt rollout`): one
// control step at a time, at a fixed rate, frames and qpos from the episode at each step.
//
//   ASSIGN_OR_RETURN(auto policy, Policy::load("act.engine", {.deadline_ms = 20}));
//   ASSIGN_OR_RETURN(RolloutResult r, run_rollout(*policy, episodes, {.rate_hz = 50}));
//
// Per step it records the executed action, the recorded action (/action[t] of the episode), the
// chunk predicted at that step (when one was) and the latency of Policy::step (frames already in
// the policy's frame buffers: reading the episode file is the camera's time, not the policy's).
// L1 per joint is mean |executed - recorded| over every step, in robot units. A step whose
// latency exceeds the control period (1000 / rate_hz ms) misses its deadline; with rate_hz = 0
// the steps run back to back and only the policy's own deadline counts.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "actrt/policy.h"
#include "compare/latency.h"
#include "data/act_episodes.h"

namespace actrt::compare {

struct RolloutOptions {
  double rate_hz = 50;                // 0: as fast as possible
  std::vector<int64_t> episodes;      // indices to replay (empty: all)
  bool keep_chunks = false;           // fill EpisodeRollout::chunks
  // Called after every step (progress display); may be empty.
  std::function<void(int64_t episode, int64_t t)> on_step;
};

struct EpisodeRollout {
  int64_t episode = 0, steps = 0;
  std::vector<float> executed, recorded;  // steps x action_dim, robot units
  std::vector<float> chunks;              // steps x chunk x action_dim (NaN where no query)
  std::vector<double> latency_ms;         // steps
  std::vector<double> l1_per_joint;       // action_dim
  int64_t queries = 0, missed_deadlines = 0, clamped_values = 0;
};

struct RolloutResult {
  std::vector<EpisodeRollout> episodes;
  LatencyStats latency;               // every step of every episode
  double jitter_ms = 0;               // p99 - median step latency
  double period_ms = 0;               // control period (0: as fast as possible)
  int64_t steps = 0, missed_deadlines = 0, clamped_values = 0, queries = 0;
  std::vector<double> l1_per_joint;   // over all steps, robot units
  double l1_mean = 0;                 // mean over joints
};

// The episodes must match the policy (cameras by name, frame size, state and action dims);
// errors name the episode folder and what differs. The policy is reset() before each episode.
Result<RolloutResult> run_rollout(Policy& policy, const data::ActEpisodes& episodes,
                                  const RolloutOptions& options);

}  // namespace actrt::compare
