#include "policy/action_selector.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace actrt::policy {

ChunkQueue::ChunkQueue(int64_t chunk_size, int64_t action_dim, int64_t steps)
    : dim_(action_dim), steps_(std::clamp<int64_t>(steps, 1, chunk_size)), next_(steps_),
      queue_(static_cast<size_t>(steps_ * action_dim)) {}

void ChunkQueue::add_chunk(std::span<const float> chunk) {
  std::memcpy(queue_.data(), chunk.data(), queue_.size() * sizeof(float));
  next_ = 0;
}

void ChunkQueue::next_action(std::span<float> action) {
  // A caller that skipped add_chunk replays the last row rather than reading past the queue.
  const int64_t row = std::min(next_, steps_ - 1);
  std::memcpy(action.data(), queue_.data() + row * dim_, static_cast<size_t>(dim_) * sizeof(float));
  ++next_;
}

TemporalEnsembler::TemporalEnsembler(int64_t chunk_size, int64_t action_dim, double k)
    : chunk_(chunk_size), dim_(action_dim), weights_(static_cast<size_t>(chunk_size)),
      chunks_(static_cast<size_t>(chunk_size * chunk_size * action_dim)),
      start_(static_cast<size_t>(chunk_size), -1), sum_(static_cast<size_t>(action_dim)) {
  for (int64_t i = 0; i < chunk_; ++i) weights_[static_cast<size_t>(i)] = std::exp(-k * static_cast<double>(i));
}

void TemporalEnsembler::reset() {
  std::fill(start_.begin(), start_.end(), -1);
  t_ = 0;
}

void TemporalEnsembler::add_chunk(std::span<const float> chunk) {
  const size_t slot = static_cast<size_t>(t_ % chunk_);
  std::memcpy(chunks_.data() + slot * static_cast<size_t>(chunk_ * dim_), chunk.data(),
              static_cast<size_t>(chunk_ * dim_) * sizeof(float));
  start_[slot] = t_;
}

void TemporalEnsembler::next_action(std::span<float> action) {
  std::fill(sum_.begin(), sum_.end(), 0.0);
  double total = 0;
  size_t i = 0;  // age rank: 0 = the oldest prediction for this step
  for (int64_t s = std::max<int64_t>(0, t_ - chunk_ + 1); s <= t_; ++s) {
    const size_t slot = static_cast<size_t>(s % chunk_);
    if (start_[slot] != s) continue;  // no query at step s (or overwritten)
    const float* row = chunks_.data() + slot * static_cast<size_t>(chunk_ * dim_) +
                       static_cast<size_t>((t_ - s) * dim_);
    const double w = weights_[i++];
    for (int64_t d = 0; d < dim_; ++d) sum_[static_cast<size_t>(d)] += w * row[d];
    total += w;
  }
  for (int64_t d = 0; d < dim_; ++d)
    action[static_cast<size_t>(d)] = total > 0 ? static_cast<float>(sum_[static_cast<size_t>(d)] / total) : 0.f;
  ++t_;
}

}  // namespace actrt::policy
