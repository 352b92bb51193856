// TensorRT-format calibration caches. A cache that parses, formatted again, must parse to the
// same algorithm and the same entries (names, and scales bit for bit).
#include <bit>
#include <string>

#include "../invariant.h"
#include "../targets.h"
#include "quant/cache.h"

namespace actrt::fuzz {

int calibration_cache(FuzzInput bytes) {
  quiet_logs();
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  auto cache = quant::parse_calibration_cache(text, "fuzz.cache");
  if (!cache.ok()) return 0;
  (void)cache->scale_map();
  const std::string written = quant::format_calibration_cache(cache->algorithm, cache->entries);
  auto again = quant::parse_calibration_cache(written, "fuzz.cache (written again)");
  FUZZ_INVARIANT(again.ok(), "a cache that parsed, written again, does not parse: {}",
                 again.status().to_string());
  FUZZ_INVARIANT(again->algorithm == cache->algorithm, "the algorithm changed on a round trip");
  FUZZ_INVARIANT(again->entries.size() == cache->entries.size(), "{} entries became {}",
                 cache->entries.size(), again->entries.size());
  for (size_t i = 0; i < cache->entries.size(); ++i) {
    const auto& [name, scale] = cache->entries[i];
    const auto& [name2, scale2] = again->entries[i];
    FUZZ_INVARIANT(name == name2, "entry {}: name '{}' became '{}'", i, name, name2);
    FUZZ_INVARIANT(std::bit_cast<uint32_t>(scale) == std::bit_cast<uint32_t>(scale2),
                   "entry {} ('{}'): scale {} became {}", i, name, scale, scale2);
  }
  return 0;
}

}  // namespace actrt::fuzz
