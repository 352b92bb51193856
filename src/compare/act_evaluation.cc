#include "compare/act_evaluation.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace actrt::compare {

Result<ActInputNames> find_act_inputs(const std::vector<TensorInfo>& inputs) {
  ActInputNames names;
  for (const TensorInfo& in : inputs) {
    if (in.name.find("qpos") != std::string::npos) names.qpos = in.name;
    else if (in.name.find("image") != std::string::npos) names.image = in.name;
  }
  if (names.qpos.empty() || names.image.empty() || inputs.size() != 2) {
    std::string found;
    for (const TensorInfo& in : inputs) found += (found.empty() ? "" : ", ") + in.name;
    return invalid_argument("ACT episodes feed a model with two inputs named like 'qpos' and 'image'; "
                            "this model's inputs are: " + found);
  }
  return names;
}

Result<ActEvaluationSet> load_act_evaluation(const data::ActEpisodes& episodes,
                                             const ActInputNames& names,
                                             const ActEvaluationOptions& options) {
  if (options.chunk < 1) return invalid_argument("ACT evaluation: chunk must be >= 1");
  if (options.evaluation_samples < 1)
    return invalid_argument(
        fmt::format("ACT evaluation: at least one evaluation sample is needed, got {}",
                    options.evaluation_samples));
  ASSIGN_OR_RETURN(data::SampleSplit split,
                   episodes.split(options.seed, options.calibration_samples, options.evaluation_samples));
  ActEvaluationSet set;
  set.stats = episodes.stats();
  set.chunk = options.chunk;
  set.calibration = std::move(split.calibration);
  set.evaluation = std::move(split.evaluation);
  for (const data::SampleRef& r : set.evaluation) {
    ASSIGN_OR_RETURN(data::ActSample s, episodes.sample(r.episode, r.t, options.chunk));
    set.feeds.push_back(TensorMap{{names.qpos, s.qpos}, {names.image, s.image}});
    set.action.push_back(std::move(s.action));
    set.is_pad.push_back(std::move(s.is_pad));
  }
  return set;
}

Result<TensorMap> TensorMapLoader::get(size_t i) const {
  if (i >= items_.size())
    return invalid_argument(fmt::format("item {} out of range ({} items)", i, items_.size()));
  return items_[i];
}

Result<TensorMap> ActCalibrationLoader::get(size_t i) const {
  if (i >= refs_.size())
    return invalid_argument(
        fmt::format("calibration sample {} out of range ({} samples)", i, refs_.size()));
  ASSIGN_OR_RETURN(data::ActSample s, episodes_->sample(refs_[i].episode, refs_[i].t, 1));
  return TensorMap{{names_.qpos, s.qpos}, {names_.image, s.image}};
}

Result<ChunkAccuracy> chunk_accuracy(const std::vector<Tensor>& predictions,
                                     const ActEvaluationSet& set) {
  if (predictions.size() != set.action.size())
    return invalid_argument(fmt::format("chunk_accuracy: {} predictions for {} samples",
                                        predictions.size(), set.action.size()));
  const int64_t chunk = set.chunk;
  const int64_t dim = static_cast<int64_t>(set.stats.action_std.size());
  std::vector<double> sum(chunk, 0), sum_robot(chunk, 0);
  std::vector<int64_t> count(chunk, 0);
  for (size_t i = 0; i < predictions.size(); ++i) {
    const Tensor pred = predictions[i].to_float32();
    const Tensor& gt = set.action[i];
    if (pred.numel() != chunk * dim || gt.numel() != chunk * dim || set.is_pad[i].numel() != chunk)
      return invalid_argument(
          fmt::format("chunk_accuracy: sample {}: prediction {} does not fit the ground truth {} "
                      "(chunk {}, action dim {})",
                      i, shape_to_string(pred.shape()), shape_to_string(gt.shape()), chunk, dim));
    const float* p = pred.data<float>();
    const float* g = gt.data<float>();
    const bool* pad = set.is_pad[i].data<bool>();
    for (int64_t k = 0; k < chunk; ++k) {
      if (pad[k]) continue;
      for (int64_t d = 0; d < dim; ++d) {
        const double diff = std::fabs(static_cast<double>(p[k * dim + d]) - g[k * dim + d]);
        sum[k] += diff;
        sum_robot[k] += diff * set.stats.action_std[d];
      }
      count[k] += dim;
    }
  }
  ChunkAccuracy acc;
  double total = 0, total_robot = 0;
  for (int64_t k = 0; k < chunk; ++k) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    acc.l1_per_step.push_back(count[k] ? sum[k] / count[k] : nan);
    acc.l1_robot_per_step.push_back(count[k] ? sum_robot[k] / count[k] : nan);
    total += sum[k];
    total_robot += sum_robot[k];
    acc.entries += count[k];
  }
  if (acc.entries == 0) return invalid_argument("chunk_accuracy: every action step is padded");
  acc.l1 = total / acc.entries;
  acc.l1_robot = total_robot / acc.entries;
  return acc;
}

Result<PairError> pair_error(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  if (a.size() != b.size())
    return invalid_argument(fmt::format("pair_error: {} versus {} tensors", a.size(), b.size()));
  PairError e;
  double sum = 0;
  int64_t n = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const Tensor x = a[i].to_float32(), y = b[i].to_float32();
    if (x.numel() != y.numel())
      return invalid_argument(fmt::format("pair_error: item {}: {} versus {}", i,
                                          shape_to_string(x.shape()), shape_to_string(y.shape())));
    const float* px = x.data<float>();
    const float* py = y.data<float>();
    for (int64_t j = 0; j < x.numel(); ++j) {
      const double d = std::fabs(static_cast<double>(px[j]) - py[j]);
      // NaN must show, not vanish in a max().
      if (std::isnan(d) || d > e.max_abs) e.max_abs = d;
      sum += d;
    }
    n += x.numel();
  }
  e.mean_abs = n ? sum / n : 0;
  return e;
}

}  // namespace actrt::compare
