// Accuracy of ACT policies against the dataset: evaluation samples drawn from ACT episodes and
// the L1 of predicted action chunks to the ground truth (what `actrt compare` reports).
//
//   ASSIGN_OR_RETURN(data::ActEpisodes eps, data::ActEpisodes::open(folder, {"top"}));
//   ASSIGN_OR_RETURN(ActInputNames names, find_act_inputs(network.inputs()));
//   ASSIGN_OR_RETURN(ActEvaluationSet set, load_act_evaluation(eps, names, {.seed = 1, ...}));
//   ... run every variant on set.feeds ...
//   ASSIGN_OR_RETURN(ChunkAccuracy acc, chunk_accuracy(predictions, set));
//
// Samples: one permutation of the folder's (episode, t) pairs (data::split_samples) gives the
// calibration samples first and the evaluation samples after them, so the two never overlap.
//
// L1 (as python/eval_act.py): mean |prediction - ground truth| over the UN-padded entries of every
// chunk of every sample (a true masked mean: padded steps are neither summed nor counted; note
// that ACT's training loss instead divides by all entries). In normalized action units, and in
// robot units after de-normalizing both sides with action_mean / action_std (equivalently
// |diff| * action_std per dimension). The per-step curve is the same masked mean restricted to
// step k of the chunk (NaN for a step that is padded in every sample).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actrt/data_loader.h"
#include "actrt/network.h"
#include "actrt/status.h"
#include "data/act_episodes.h"

namespace actrt::compare {

struct ActInputNames {
  std::string qpos, image;
};

// The ACT inputs of a model: exactly two inputs, one named like "qpos" and one like "image".
// Otherwise an error that lists the inputs found.
Result<ActInputNames> find_act_inputs(const std::vector<TensorInfo>& inputs);

struct ActEvaluationOptions {
  uint64_t seed = 1;
  int64_t calibration_samples = 32;  // reserved first in the permutation (0: none)
  int64_t evaluation_samples = 40;
  int64_t chunk = 0;  // action chunk length of the model's output (> 0)
};

struct ActEvaluationSet {
  data::NormStats stats;
  int64_t chunk = 0;
  std::vector<data::SampleRef> calibration;  // refs only: calibration reads its own samples
  std::vector<data::SampleRef> evaluation;
  std::vector<TensorMap> feeds;    // per evaluation sample: {qpos name, image name}
  std::vector<Tensor> action;      // [1,chunk,D] normalized ground truth
  std::vector<Tensor> is_pad;      // [1,chunk] bool
};

// Reads the evaluation samples of the split (every evaluation frame is read once, up front).
Result<ActEvaluationSet> load_act_evaluation(const data::ActEpisodes& episodes,
                                             const ActInputNames& names,
                                             const ActEvaluationOptions& options);

// Feeds held in memory (e.g. ActEvaluationSet::feeds): a DataLoader for Comparator::run.
class TensorMapLoader : public DataLoader {
 public:
  explicit TensorMapLoader(std::vector<TensorMap> items) : items_(std::move(items)) {}
  size_t size() const override { return items_.size(); }
  Result<TensorMap> get(size_t i) const override;

 private:
  std::vector<TensorMap> items_;
};

// Calibration feeds read from the episodes at the given refs (chunk 1: actions are not needed).
class ActCalibrationLoader : public DataLoader {
 public:
  ActCalibrationLoader(std::shared_ptr<const data::ActEpisodes> episodes,
                       std::vector<data::SampleRef> refs, ActInputNames names)
      : episodes_(std::move(episodes)), refs_(std::move(refs)), names_(std::move(names)) {}
  size_t size() const override { return refs_.size(); }
  Result<TensorMap> get(size_t i) const override;

 private:
  std::shared_ptr<const data::ActEpisodes> episodes_;
  std::vector<data::SampleRef> refs_;
  ActInputNames names_;
};

struct ChunkAccuracy {
  double l1 = 0;        // normalized action units
  double l1_robot = 0;  // robot units
  std::vector<double> l1_per_step;        // normalized, step 0..chunk-1
  std::vector<double> l1_robot_per_step;  // robot units
  int64_t entries = 0;                    // un-padded entries counted
};

// `predictions[i]` is the model's normalized output for set.feeds[i] ([1,chunk,D] or [chunk,D],
// any float type). Sizes and shapes must match the set.
Result<ChunkAccuracy> chunk_accuracy(const std::vector<Tensor>& predictions,
                                     const ActEvaluationSet& set);

// max |a - b| and mean |a - b| over all elements of all pairs (shapes must match).
struct PairError {
  double max_abs = 0;
  double mean_abs = 0;
};
Result<PairError> pair_error(const std::vector<Tensor>& a, const std::vector<Tensor>& b);

}  // namespace actrt::compare
