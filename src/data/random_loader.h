// RandomDataLoader: seeded random feeds for given input metadata, with Polygraphy's defaults.
//
//   RandomDataOptions opt;                       // seed 1, 1 item, floats in [0,1), ints in [0,1]
//   RETURN_IF_ERROR(opt.parse_range("qpos:-2,2"));
//   ASSIGN_OR_RETURN(RandomDataLoader loader, RandomDataLoader::create(runner.input_metadata(), opt));
//   ASSIGN_OR_RETURN(TensorMap feed, loader.get(0));
//
// Semantics (Polygraphy's DataLoader): item i is generated from seed + i, so items are independent
// of each other and of how many are drawn. Floating inputs are uniform in [low, high), integer
// inputs uniform in [low, high] (both ends included), bool inputs are true with probability 1/2.
// Default range [0, 1]; per-input ranges override it ("image:0,1", "qpos:-2,2").
//
// Generator (ours, documented so results can be reproduced elsewhere): splitmix64. The stream for
// (item i, input name) starts from state = splitmix64_mix((seed + i) ^ fnv1a64(name)), so one
// input's values do not depend on the other inputs or their order. Each element takes the next
// 64-bit output r:
//   float:   u = (r >> 40) * 2^-24, exactly representable in [0, 1); x = low + u * (high - low)
//            computed in double, rounded to float (then to fp16/bf16 for those types); a result that
//            rounds up to `high` is replaced by the largest value below it, keeping [low, high).
//            (For fp16/bf16, the final rounding to 16 bits may still reach `high`.)
//   integer: low + floor(r * (high - low + 1) / 2^64) (Lemire's multiply-shift; unbiased enough
//            for any range that fits in 32 bits, which is all an input range needs).
//   bool:    r >> 63.
// Never std::random_device: the same seed gives the same bytes on every machine.
// The generator is a counter (element k of a stream takes the output after k + 1 steps), so
// large floating inputs are generated in chunks on several threads, with the same bytes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "actrt/data_loader.h"
#include "actrt/network.h"
#include "actrt/status.h"

namespace actrt::data {

struct ValueRange {
  double low = 0;
  double high = 1;
};

struct RandomDataOptions {
  uint64_t seed = 1;        // Polygraphy's default
  size_t iterations = 1;    // number of items (Polygraphy's --iterations)
  ValueRange default_range;  // [0, 1]
  std::map<std::string, ValueRange> ranges;  // per input name
  // Parses "name:low,high" (split at the LAST colon, names may contain colons) or "low,high"
  // (the default range). low > high or non-numbers fail with the text quoted.
  Status parse_range(std::string_view text);
};

class RandomDataLoader : public DataLoader {
 public:
  // Inputs need concrete shapes (no negative dims) and a numeric dtype. Ranges naming unknown
  // inputs are an error that lists the input names (a typo must not silently do nothing).
  static Result<RandomDataLoader> create(std::vector<TensorInfo> inputs,
                                         RandomDataOptions options = {});
  size_t size() const override { return options_.iterations; }
  Result<TensorMap> get(size_t i) const override;

  const std::vector<TensorInfo>& inputs() const { return inputs_; }

 private:
  RandomDataLoader(std::vector<TensorInfo> inputs, RandomDataOptions options)
      : inputs_(std::move(inputs)), options_(std::move(options)) {}
  std::vector<TensorInfo> inputs_;
  RandomDataOptions options_;
};

// The generator, exposed for tests and for other seeded code that wants the same stream.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t state) : state_(state) {}
  uint64_t next();
  // The same as `steps` calls of next() whose outputs are dropped.
  void advance(uint64_t steps) { state_ += steps * kGamma; }
  // The splitmix64 finalizer on its own (a good 64-bit mixing function).
  static uint64_t mix(uint64_t z);

 private:
  static constexpr uint64_t kGamma = 0x9e3779b97f4a7c15ull;  // added to the state per step
  uint64_t state_;
};

}  // namespace actrt::data
