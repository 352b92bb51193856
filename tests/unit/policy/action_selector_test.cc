#include "policy/action_selector.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace actrt::policy {
namespace {

// A chunk predicted at step s: value (s, k, d) = 100 s + 10 k + d.
std::vector<float> chunk_at(int64_t s, int64_t chunk, int64_t dim) {
  std::vector<float> c(static_cast<size_t>(chunk * dim));
  for (int64_t k = 0; k < chunk; ++k)
    for (int64_t d = 0; d < dim; ++d) c[static_cast<size_t>(k * dim + d)] = static_cast<float>(100 * s + 10 * k + d);
  return c;
}

TEST(ChunkQueue, QueriesEveryStepsAndPlaysTheChunkInOrder) {
  ChunkQueue q(/*chunk_size=*/5, /*action_dim=*/2, /*steps=*/3);
  std::vector<float> a(2);
  for (int64_t t = 0; t < 9; ++t) {
    EXPECT_EQ(q.needs_query(), t % 3 == 0) << "step " << t;
    if (q.needs_query()) q.add_chunk(chunk_at(t, 5, 2));
    q.next_action(a);
    const int64_t s = t - t % 3, k = t % 3;
    EXPECT_EQ(a[0], 100 * s + 10 * k) << "step " << t;
    EXPECT_EQ(a[1], 100 * s + 10 * k + 1);
  }
  q.reset();
  EXPECT_TRUE(q.needs_query());
}

TEST(ChunkQueue, StepsAreClampedToTheChunk) {
  ChunkQueue q(4, 1, 10);
  std::vector<float> a(1);
  q.add_chunk(chunk_at(0, 4, 1));
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(q.needs_query());
    q.next_action(a);
  }
  EXPECT_TRUE(q.needs_query());
}

// The original imitate_episodes.py loop, written out: all_time_actions[t, t:t+chunk] = chunk_t;
// the action at t averages the rows that have a prediction for column t, weights exp(-k i).
std::vector<double> original_ensemble(const std::vector<std::vector<float>>& chunks, int64_t t, int64_t chunk,
                                      int64_t dim, double k) {
  std::vector<double> num(static_cast<size_t>(dim), 0.0);
  double den = 0;
  int i = 0;
  for (int64_t s = 0; s <= t; ++s) {
    if (t - s >= chunk) continue;
    const double w = std::exp(-k * i++);
    for (int64_t d = 0; d < dim; ++d) num[static_cast<size_t>(d)] += w * chunks[static_cast<size_t>(s)][static_cast<size_t>((t - s) * dim + d)];
    den += w;
  }
  for (double& v : num) v /= den;
  return num;
}

TEST(TemporalEnsembler, AveragesOverlappingPredictionsOldestFirst) {
  const int64_t chunk = 6, dim = 3;
  for (double k : {0.01, 0.5, 0.0}) {
    TemporalEnsembler e(chunk, dim, k);
    std::vector<std::vector<float>> chunks;
    std::vector<float> a(dim);
    for (int64_t t = 0; t < 20; ++t) {
      ASSERT_TRUE(e.needs_query());
      chunks.push_back(chunk_at(t, chunk, dim));
      e.add_chunk(chunks.back());
      e.next_action(a);
      const auto want = original_ensemble(chunks, t, chunk, dim, k);
      for (int64_t d = 0; d < dim; ++d)
        EXPECT_NEAR(a[static_cast<size_t>(d)], want[static_cast<size_t>(d)], 1e-3) << "k " << k << " t " << t;
    }
  }
}

TEST(TemporalEnsembler, WeighsTheOldestPredictionMost) {
  TemporalEnsembler e(2, 1, /*k=*/1.0);
  std::vector<float> a(1);
  e.add_chunk(std::vector<float>{0.f, 10.f});  // predicted at 0: step 1 -> 10
  e.next_action(a);
  EXPECT_EQ(a[0], 0.f);
  e.add_chunk(std::vector<float>{20.f, 0.f});  // predicted at 1: step 1 -> 20
  e.next_action(a);
  // (10 * 1 + 20 * e^-1) / (1 + e^-1)
  EXPECT_NEAR(a[0], (10 + 20 * std::exp(-1.0)) / (1 + std::exp(-1.0)), 1e-5);
}

TEST(TemporalEnsembler, AnExactZeroActionIsAPrediction) {
  // The original code treats an all-zero action as "no prediction"; the mask here does not.
  TemporalEnsembler e(2, 1, 0.0);
  std::vector<float> a(1);
  e.add_chunk(std::vector<float>{5.f, 0.f});
  e.next_action(a);
  e.add_chunk(std::vector<float>{8.f, 9.f});
  e.next_action(a);
  EXPECT_EQ(a[0], 4.f);  // (0 + 8) / 2, not 8
}

TEST(TemporalEnsembler, ResetForgetsStoredChunks) {
  TemporalEnsembler e(4, 1, 0.0);
  std::vector<float> a(1);
  e.add_chunk(std::vector<float>{1, 1, 1, 1});
  e.next_action(a);
  e.reset();
  e.add_chunk(std::vector<float>{3, 3, 3, 3});
  e.next_action(a);
  EXPECT_EQ(a[0], 3.f);
}

}  // namespace
}  // namespace actrt::policy
