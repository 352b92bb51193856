// From predicted action chunks to one action per control step (include/actrt/policy.h):
// the chunk queue (open loop) and temporal ensembling of the original imitate_episodes.py.
// Both work in robot units on [chunk_size, action_dim] row-major chunks and allocate nothing
// after construction.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace actrt::policy {

class ActionSelector {
 public:
  virtual ~ActionSelector() = default;
  // Whether this step needs a new chunk (add_chunk) before next_action.
  virtual bool needs_query() const = 0;
  // The chunk predicted at this step.
  virtual void add_chunk(std::span<const float> chunk) = 0;
  // Writes this step's action (action_dim values) and moves to the next step.
  virtual void next_action(std::span<float> action) = 0;
  // A new episode: nothing queued or stored.
  virtual void reset() = 0;
};

// Chunked open loop: a query every `steps` steps (and at the first step of an episode), whose
// first `steps` actions are played in order. ACT's `t % query_frequency == 0` and LeRobot's
// n_action_steps queue are both this.
class ChunkQueue final : public ActionSelector {
 public:
  ChunkQueue(int64_t chunk_size, int64_t action_dim, int64_t steps);
  bool needs_query() const override { return next_ >= steps_; }
  void add_chunk(std::span<const float> chunk) override;
  void next_action(std::span<float> action) override;
  void reset() override { next_ = steps_; }

 private:
  int64_t dim_, steps_;
  int64_t next_;               // row of `queue_` to play next; steps_ = empty
  std::vector<float> queue_;   // steps_ x dim_
};

// Temporal ensembling: a query every step; the action for step t averages the predictions for t
// of every chunk predicted at steps t-chunk+1 .. t, weighted exp(-k*i) with i = 0 the OLDEST,
// normalized by the sum of the weights used. Predictions are marked present explicitly (the
// original code's "all values != 0" test would drop an exact 0.0 action). Sums in double, as the
// original's float64 weights promote its sum.
class TemporalEnsembler final : public ActionSelector {
 public:
  TemporalEnsembler(int64_t chunk_size, int64_t action_dim, double k);
  bool needs_query() const override { return true; }
  void add_chunk(std::span<const float> chunk) override;
  void next_action(std::span<float> action) override;
  void reset() override;

 private:
  int64_t chunk_, dim_;
  std::vector<double> weights_;  // exp(-k*i), i = 0 .. chunk-1
  std::vector<float> chunks_;    // chunk_ slots of chunk_ x dim_: slot s % chunk_ = query at s
  std::vector<int64_t> start_;   // the step each slot was predicted at (-1: empty)
  std::vector<double> sum_;      // dim_ accumulators
  int64_t t_ = 0;                // the current step since reset()
};

}  // namespace actrt::policy
