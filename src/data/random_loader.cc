#include "data/random_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>
#include <type_traits>

#include "core/dispatch.h"
#include "core/parallel.h"

namespace actrt::data {

uint64_t SplitMix64::mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t SplitMix64::next() {
  state_ += kGamma;
  return mix(state_);
}

namespace {

uint64_t fnv1a64(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

Result<double> parse_double(std::string_view text, std::string_view whole) {
  const std::string s(text);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v))
    return invalid_argument("input range '" + std::string(whole) + "': '" + s +
                            "' is not a finite number");
  return v;
}

// Float in [low, high): see the top of random_loader.h.
float uniform_float(uint64_t r, const ValueRange& range) {
  const double u = static_cast<double>(r >> 40) * (1.0 / 16777216.0);
  float x = static_cast<float>(range.low + u * (range.high - range.low));
  if (range.high > range.low && x >= static_cast<float>(range.high))
    x = std::nextafter(static_cast<float>(range.high), static_cast<float>(range.low));
  return x;
}

// Floating inputs of at least this many elements are generated in chunks of this size, one
// chunk per task on all cores (act-base's 2.8 M image elements: about 5 ms on one core).
constexpr int64_t kChunk = int64_t(1) << 18;

// p[k] for k in [0, n) of a floating input whose stream starts at `rng`.
template <typename T>
void fill_floats(T* p, int64_t n, SplitMix64 rng, const ValueRange& range) {
  auto fill = [&](int64_t begin, int64_t end) {
    SplitMix64 r = rng;
    r.advance(static_cast<uint64_t>(begin));
    for (int64_t k = begin; k < end; ++k) p[k] = convert_element<T>(uniform_float(r.next(), range));
  };
  if (n < 2 * kChunk) {
    fill(0, n);
    return;
  }
  parallel_for(static_cast<size_t>((n + kChunk - 1) / kChunk), [&](size_t c) {
    const int64_t begin = static_cast<int64_t>(c) * kChunk;
    fill(begin, std::min(n, begin + kChunk));
  });
}

int64_t uniform_int(uint64_t r, int64_t low, int64_t high) {
  const uint64_t span = static_cast<uint64_t>(high - low) + 1;
  const unsigned __int128 prod = static_cast<unsigned __int128>(r) * span;
  return low + static_cast<int64_t>(static_cast<uint64_t>(prod >> 64));
}

}  // namespace

Status RandomDataOptions::parse_range(std::string_view text) {
  std::string name;
  std::string_view values = text;
  if (const size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    name = std::string(text.substr(0, colon));
    values = text.substr(colon + 1);
  }
  const size_t comma = values.find(',');
  if (comma == std::string_view::npos)
    return invalid_argument("input range '" + std::string(text) +
                            "': expected [name:]low,high, e.g. 'qpos:-2,2'");
  ASSIGN_OR_RETURN(double low, parse_double(values.substr(0, comma), text));
  ASSIGN_OR_RETURN(double high, parse_double(values.substr(comma + 1), text));
  if (low > high)
    return invalid_argument(
        fmt::format("input range '{}': low {:f} is greater than high {:f}", text, low, high));
  if (name.empty()) {
    default_range = {low, high};
  } else {
    ranges[name] = {low, high};
  }
  return ok_status();
}

Result<RandomDataLoader> RandomDataLoader::create(std::vector<TensorInfo> inputs,
                                                  RandomDataOptions options) {
  std::set<std::string> names;
  for (const TensorInfo& in : inputs) {
    if (!names.insert(in.name).second)
      return invalid_argument("random data: input '" + in.name + "' is listed twice");
    for (int64_t d : in.shape)
      if (d < 0)
        return invalid_argument("random data: input '" + in.name + "' has shape " +
                                shape_to_string(in.shape) +
                                " with an unknown dimension; give a concrete shape (--shapes)");
    if (in.dtype == DataType::kUndefined)
      return invalid_argument("random data: input '" + in.name + "' has an undefined dtype");
  }
  for (const auto& [name, range] : options.ranges) {
    if (!names.count(name)) {
      std::string known;
      for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
      return invalid_argument("random data: a range is given for '" + name +
                              "', which is not an input; inputs are: " + known);
    }
  }
  return RandomDataLoader(std::move(inputs), std::move(options));
}

Result<TensorMap> RandomDataLoader::get(size_t i) const {
  if (i >= options_.iterations)
    return invalid_argument(
        fmt::format("random data: item {} requested, but there are {}", i, options_.iterations));
  TensorMap feed;
  for (const TensorInfo& in : inputs_) {
    auto it = options_.ranges.find(in.name);
    const ValueRange range = it == options_.ranges.end() ? options_.default_range : it->second;
    SplitMix64 rng(SplitMix64::mix((options_.seed + i) ^ fnv1a64(in.name)));
    Tensor t(in.dtype, in.shape);
    const int64_t n = t.numel();
    Status status;
    visit_dtype(in.dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* p = t.data<T>();
      if constexpr (std::is_same_v<T, bool>) {
        for (int64_t k = 0; k < n; ++k) p[k] = (rng.next() >> 63) != 0;
      } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, Float16> ||
                           std::is_same_v<T, BFloat16>) {
        fill_floats(p, n, rng, range);
      } else {
        // Integers: [ceil(low), floor(high)], checked against the type's limits.
        const double lo = std::ceil(range.low), hi = std::floor(range.high);
        const double tmin = static_cast<double>(std::numeric_limits<T>::min());
        const double tmax = static_cast<double>(std::numeric_limits<T>::max());
        if (lo > hi || lo < tmin || hi > tmax || hi - lo > 4294967295.0) {
          status =
              invalid_argument(fmt::format("random data: input '{}' ({}): range [{:f}, {:f}] holds "
                                           "no integer, exceeds the type or spans more than 2^32",
                                           in.name, dtype_name(in.dtype), range.low, range.high));
          return;
        }
        for (int64_t k = 0; k < n; ++k)
          p[k] = static_cast<T>(
              uniform_int(rng.next(), static_cast<int64_t>(lo), static_cast<int64_t>(hi)));
      }
    });
    RETURN_IF_ERROR(status);
    feed.emplace(in.name, std::move(t));
  }
  return feed;
}

}  // namespace actrt::data
