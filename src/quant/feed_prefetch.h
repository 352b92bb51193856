// Calibration feeds loaded one sample ahead (quant/statistics.cc, device passes): while the
// device runs sample i, a worker thread loads sample i+1 from the DataLoader and checks it
// (check_feed: names, dtypes, shapes, finite values), so that the host's share of a sample
// (generating or decoding the data, scanning 11 MB of images for act-base) overlaps the GPU's.
//
// Feeds come out in order 0, 1, 2, ..., and so do errors: an error of sample i+1 is reported
// only when next() asks for sample i+1, after sample i has run. The DataLoader is called from
// one thread at a time (the worker, or the caller if no thread can be started), never
// concurrently.
#pragma once

#include <cstddef>
#include <future>

#include "actrt/data_loader.h"
#include "actrt/status.h"
#include "ir/graph.h"

namespace actrt::quant {

class FeedPrefetcher {
 public:
  // Starts loading sample 0 of `samples` (0 .. samples-1). `graph` and `data` must outlive this.
  FeedPrefetcher(const ir::Graph& graph, const DataLoader& data, size_t samples);
  FeedPrefetcher(const FeedPrefetcher&) = delete;
  FeedPrefetcher& operator=(const FeedPrefetcher&) = delete;
  ~FeedPrefetcher();  // waits for a load still running

  // The next sample's feed, checked; starts loading the one after it.
  Result<TensorMap> next();

  // Seconds spent loading and checking (on the worker), and waiting for it in next().
  double load_seconds() const { return load_s_; }
  double wait_seconds() const { return wait_s_; }

 private:
  struct Loaded {
    Result<TensorMap> feed;
    double seconds = 0;
  };
  Loaded load(size_t i) const;
  void start(size_t i);

  const ir::Graph& graph_;
  const DataLoader& data_;
  size_t samples_;
  size_t next_ = 0;
  std::future<Loaded> pending_;
  double load_s_ = 0, wait_s_ = 0;
};

}  // namespace actrt::quant
