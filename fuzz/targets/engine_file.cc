// Engine files. A file that starts with the engine magic gets its size and checksum fields fixed
// up first (bytes 16-31, src/engine/format.h): a forged file does the same, and without it
// nearly every mutation would stop at the checksum. An engine that loads must save, and its
// saved bytes must load again.
#include <cstring>
#include <string>

#include "../invariant.h"
#include "../targets.h"
#include "actrt/engine.h"
#include "engine/format.h"

namespace actrt::fuzz {

int engine_file(FuzzInput bytes) {
  quiet_logs();
  std::string file(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  namespace fmt_ = engine::format;
  if (file.size() >= fmt_::kChecksumFrom &&
      std::memcmp(file.data(), fmt_::kMagic, sizeof(fmt_::kMagic)) == 0) {
    const uint64_t size = file.size();
    std::memcpy(file.data() + 16, &size, sizeof(size));
    const uint64_t checksum =
        fmt_::fnv1a64(std::string_view(file).substr(fmt_::kChecksumFrom));
    std::memcpy(file.data() + 24, &checksum, sizeof(checksum));
  }
  auto engine = engine_from_bytes(file, "fuzz.engine");
  if (!engine.ok()) return 0;
  const Engine& e = *engine.value();
  (void)e.inputs();
  (void)e.outputs();
  (void)e.layers();
  (void)e.weight_bytes();
  auto saved = e.serialize();
  FUZZ_INVARIANT(saved.ok(), "a loaded engine does not serialize: {}", saved.status().to_string());
  auto reloaded = engine_from_bytes(saved.value(), "fuzz.engine (saved again)");
  FUZZ_INVARIANT(reloaded.ok(), "a loaded engine, saved, does not load: {}",
                 reloaded.status().to_string());
  return 0;
}

}  // namespace actrt::fuzz
