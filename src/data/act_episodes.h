// ACT episode loader: a folder of episode_<i>.hdf5 files -> model inputs and ground-truth
// action chunks, preprocessed exactly like ACT's utils.py (internal to actrt_data for now).
//
// Files (/work/shared/ACT.md 'Episode files'): root attribute `sim`; /observations/qpos (T,D) f32;
// /observations/images/<camera> (T,H,W,3) u8; /action (T,D) f32. /observations/qvel and
// /observations/effort are not needed and not checked. Every episode must have the same T, D
// and camera sizes (ACT stacks them); the first mismatch is reported with both file names.
// Episodes are ordered by their number (episode_2 before episode_10).
//
// Normalization statistics (ACT's get_norm_stats): over ALL timesteps of ALL episodes, per
// dimension, mean and unbiased std (ddof = 1) of qpos and of action, std clipped to >= 0.01.
// Computed in double and stored as float. They can instead come from a JSON file
//   {"qpos_mean": [..D], "qpos_std": [..D], "action_mean": [..D], "action_std": [..D]}
// (save_norm_stats writes one), e.g. the statistics a policy was trained with.
//
// A sample at (episode e, timestep t), like ACT's EpisodicDataset at start_ts = t:
//   qpos     [1,D] f32   (qpos[t] - qpos_mean) / qpos_std
//   image    [1,ncam,3,H,W] f32   frame t of each camera, HWC -> CHW, / 255, in the order the
//            cameras were given (the order the policy was trained with)
//   action   [1,chunk,D] f32   (actions[s:s+chunk] - action_mean) / action_std, where s = t for
//            sim episodes and s = max(0, t-1) for real ones (root attribute sim = False), as ACT
//            does to align real-robot timesteps. Steps past the episode end are padded the way
//            ACT pads: with raw zeros BEFORE normalization, so a padded entry of `action` is
//            -action_mean / action_std; `action_raw` holds 0 there.
//   action_raw [1,chunk,D] f32   the same steps in robot units (what the policy's de-normalized
//            output is compared with)
//   is_pad   [1,chunk] bool   true for padded steps
//
// Calibration / evaluation split (split_samples): every (episode, t) pair of the folder, listed
// episode-major ((0,0), (0,1), ... (1,0) ...), is shuffled with a Fisher-Yates shuffle driven by
// splitmix64 seeded with `seed` (swap index j = next() % (i + 1), i from the last down to 1).
// The first `n_calibration` pairs of the shuffled list are the calibration samples, the next
// `n_evaluation` (or all the rest) the evaluation samples. Both sets come from one permutation,
// so for the same folder and seed they never share a pair, whatever the two counts are; the
// choice depends only on (number of episodes, episode length, seed), not on file contents.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "actrt/status.h"
#include "actrt/tensor.h"

namespace actrt::data {

struct NormStats {
  std::vector<float> qpos_mean, qpos_std, action_mean, action_std;
};

// Reads / writes the statistics JSON; a missing key, non-number or length mismatch is an error
// that names the file and the key.
Result<NormStats> load_norm_stats(const std::string& path);
// Refuses an existing `path` unless `overwrite`.
Status save_norm_stats(const std::string& path, const NormStats& stats, bool overwrite = false);

struct ActSample {
  int64_t episode = 0, t = 0;
  Tensor qpos;        // [1,D] f32, normalized
  Tensor qpos_raw;    // [1,D] f32, robot units
  Tensor image;       // [1,ncam,3,H,W] f32 in [0,1]
  Tensor action;      // [1,chunk,D] f32, normalized (padding as ACT)
  Tensor action_raw;  // [1,chunk,D] f32, robot units (0 where padded)
  Tensor is_pad;      // [1,chunk] bool
};

struct SampleRef {
  int64_t episode = 0, t = 0;
  bool operator==(const SampleRef&) const = default;
};

struct SampleSplit {
  std::vector<SampleRef> calibration, evaluation;
};

// The documented split above. n_evaluation < 0 means "all the rest". Asking for more pairs than
// the folder has is kInvalidArgument (with the counts).
Result<SampleSplit> split_samples(int64_t episodes, int64_t steps, uint64_t seed, int64_t n_calibration,
                                  int64_t n_evaluation = -1);

class ActEpisodes {
 public:
  // Opens every episode_<i>.hdf5 in `folder`, checks the layout for `cameras` (in this order)
  // and computes the normalization statistics. Unknown camera names are an error that lists
  // the cameras present.
  static Result<ActEpisodes> open(const std::string& folder, const std::vector<std::string>& cameras);

  ActEpisodes(ActEpisodes&&) noexcept;
  ActEpisodes& operator=(ActEpisodes&&) noexcept;
  ~ActEpisodes();

  int64_t num_episodes() const;
  int64_t episode_length() const;  // T
  int64_t state_dim() const;       // D
  int64_t height() const;
  int64_t width() const;
  const std::vector<std::string>& cameras() const;
  const std::vector<std::string>& episode_paths() const;

  // Statistics in use: computed at open(), replaced by use_stats().
  const NormStats& stats() const;
  // Uses given statistics (e.g. from load_norm_stats); their length must be D and every std > 0.
  Status use_stats(NormStats stats);

  // One sample; errors for e / t out of range or chunk < 1. Reads one frame per camera.
  // Not for concurrent use from several threads.
  Result<ActSample> sample(int64_t episode, int64_t t, int64_t chunk) const;

  // Raw data of one step, as a robot would see it (rollout, policy calibration); errors for e / t
  // / camera out of range. read_frame writes height x width x 3 bytes (HWC, as recorded).
  Status read_frame(int64_t episode, int64_t camera, int64_t t, uint8_t* dst) const;
  Result<std::span<const float>> qpos_at(int64_t episode, int64_t t) const;    // robot units
  Result<std::span<const float>> action_at(int64_t episode, int64_t t) const;  // recorded command

  // The split of this folder's pairs (split_samples with its sizes).
  Result<SampleSplit> split(uint64_t seed, int64_t n_calibration, int64_t n_evaluation = -1) const;

 private:
  struct Impl;
  explicit ActEpisodes(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// get_norm_stats over arrays already in memory: qpos and action are (N*T, D) row-major.
NormStats compute_norm_stats(const std::vector<float>& qpos, const std::vector<float>& action, int64_t dim);

}  // namespace actrt::data
