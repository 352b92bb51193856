// FeedPrefetcher (quant/feed_prefetch.h): feeds in order, checked, errors in order, and the
// loader never called by two threads at once.
#include "quant/feed_prefetch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <limits>
#include <thread>

#include "quant_test_util.h"

using namespace actrt;
using namespace actrt::quant;
using namespace actrt::quant::testing;

namespace {

// Items of a VectorLoader, slowly, counting the calls that overlap; item `fail` is an error.
class SlowLoader : public DataLoader {
 public:
  SlowLoader(std::vector<TensorMap> items, int fail) : items_(std::move(items)), fail_(fail) {}
  size_t size() const override { return items_.size(); }
  Result<TensorMap> get(size_t i) const override {
    if (inside_.fetch_add(1) != 0) overlapped_ = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    calls_.fetch_add(1);
    inside_.fetch_sub(1);
    if (int(i) == fail_) return io_error("item " + std::to_string(i) + " is unreadable");
    return items_.at(i);
  }
  bool overlapped() const { return overlapped_; }
  int calls() const { return calls_; }

 private:
  std::vector<TensorMap> items_;
  int fail_;
  mutable std::atomic<int> inside_{0}, calls_{0};
  mutable std::atomic<bool> overlapped_{false};
};

}  // namespace

TEST(FeedPrefetch, FeedsComeInOrderAndEqualTheLoaders) {
  auto g = small_graph();
  const std::vector<TensorMap> items = normal_feeds(5, 31);
  SlowLoader data(items, -1);
  FeedPrefetcher feeds(*g, data, 4);
  for (size_t i = 0; i < 4; ++i) {
    Result<TensorMap> f = feeds.next();
    ASSERT_TRUE(f.ok()) << f.status().to_string();
    const Tensor& got = f->at("x");
    const Tensor& want = items[i].at("x");
    ASSERT_EQ(got.nbytes(), want.nbytes());
    EXPECT_EQ(std::memcmp(got.raw_data(), want.raw_data(), got.nbytes()), 0) << "sample " << i;
  }
  EXPECT_FALSE(feeds.next().ok());  // only 4 of the 5 items were asked for
  EXPECT_EQ(data.calls(), 4);
  EXPECT_FALSE(data.overlapped());
  EXPECT_GT(feeds.load_seconds(), 0.0);
}

TEST(FeedPrefetch, ErrorsComeWhenTheirSampleIsAskedFor) {
  auto g = small_graph();
  std::vector<TensorMap> items = normal_feeds(4, 32);
  items[1]["x"] = items[1]["x"].clone();
  items[1]["x"].data<float>()[4] = std::numeric_limits<float>::infinity();
  {
    SlowLoader data(items, 2);
    FeedPrefetcher feeds(*g, data, 4);
    EXPECT_TRUE(feeds.next().ok());
    Result<TensorMap> bad = feeds.next();  // sample 1: checked like check_feed
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.status().message().find("calibration sample 1: input 'x' holds Inf at element 4"),
              std::string::npos)
        << bad.status().message();
  }
  {
    SlowLoader data(normal_feeds(4, 33), 2);
    FeedPrefetcher feeds(*g, data, 4);
    EXPECT_TRUE(feeds.next().ok());
    EXPECT_TRUE(feeds.next().ok());
    Result<TensorMap> bad = feeds.next();
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.status().message(), "item 2 is unreadable");
    EXPECT_FALSE(data.overlapped());
  }
}
