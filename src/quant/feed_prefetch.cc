#include "quant/feed_prefetch.h"

#include <fmt/format.h>

#include <chrono>
#include <system_error>

#include "quant/statistics.h"

namespace actrt::quant {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

FeedPrefetcher::FeedPrefetcher(const ir::Graph& graph, const DataLoader& data, size_t samples)
    : graph_(graph), data_(data), samples_(samples) {
  if (samples_ > 0) start(0);
}

FeedPrefetcher::~FeedPrefetcher() {
  if (pending_.valid()) pending_.wait();
}

FeedPrefetcher::Loaded FeedPrefetcher::load(size_t i) const {
  const Clock::time_point t0 = Clock::now();
  Loaded out{data_.get(i), 0};
  if (out.feed.ok()) {
    const Status checked = check_feed(graph_, *out.feed, i);
    if (!checked.ok()) out.feed = checked;
  }
  out.seconds = seconds_since(t0);
  return out;
}

void FeedPrefetcher::start(size_t i) {
  try {
    pending_ = std::async(std::launch::async, [this, i] { return load(i); });
  } catch (const std::system_error&) {
    // No thread to be had: load on the caller's thread, in next().
    pending_ = std::async(std::launch::deferred, [this, i] { return load(i); });
  }
}

Result<TensorMap> FeedPrefetcher::next() {
  if (!pending_.valid() || next_ >= samples_)
    return internal_error(
        fmt::format("calibration feeds: sample {} requested of {}", next_, samples_));
  const Clock::time_point t0 = Clock::now();
  Loaded loaded = pending_.get();
  wait_s_ += seconds_since(t0);
  load_s_ += loaded.seconds;
  ++next_;
  if (next_ < samples_ && loaded.feed.ok()) start(next_);
  return std::move(loaded.feed);
}

}  // namespace actrt::quant
