// Timing cache: the tactic (kernel algorithm) a backend chose by timing, per layer geometry and
// device, kept in a file so that rebuilds skip the timing (TensorRT's timing cache; ACT on a
// Jetson: 44 s first build, 6 s with a warm cache).
//
// An entry is (device, key) -> (tactic, measured ms). The backend writes both strings:
//   device  what the timing depends on besides the layer: GPU name, compute capability and the
//           library versions (for CUDA: "NVIDIA H100 80GB HBM3|sm_90|cudnn=91300|cublasLt=130000");
//   key     the layer: kernel family, shapes, dtypes, precision, attributes, workspace limit;
//   tactic  a short string the backend can parse back (for a cuDNN convolution: the algorithm id).
// Entries of other devices are kept in the file (one cache may serve an H100 and an H200) but
// never used: select_device() says once, with a [W], how many were ignored.
//
// The file is the one file a build updates in place, because the user named it as a cache. Its
// text format (docs/engine-format.md, "Timing cache files"), version 1:
//   actrt-timing-cache 1
//   <device> TAB <key> TAB <tactic> TAB <ms>        one line per entry, sorted by device then key
//   end <number of entries>
// No field may hold a tab, a newline or a carriage return (record() refuses them). The end line
// makes truncation detectable; load errors name the file and the line.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "actrt/status.h"

namespace actrt::engine {

struct TimingEntry {
  std::string tactic;
  double ms = 0;  // measured time of the tactic when it was recorded (informational)
};

class TimingCache {
 public:
  static constexpr const char* kMagic = "actrt-timing-cache";
  static constexpr int kVersion = 1;

  TimingCache() = default;

  // Parses file text; `source` (a path) names the file in errors.
  static Result<TimingCache> parse(const std::string& text, const std::string& source);
  // Loads `path`; a missing file is an empty cache (the first build creates it), any other
  // problem (unreadable, foreign, other version, truncated, malformed) is an error.
  static Result<TimingCache> load_or_empty(const std::string& path);

  std::string serialize() const;
  // Writes `path` atomically: a temporary file next to it, then a rename over it.
  Status save(const std::string& path) const;

  // The device that lookups and records refer to from now on. Warns once if the cache holds
  // entries of other devices (they are ignored, and kept on save). Returns their number.
  size_t select_device(const std::string& device);
  const std::string& device() const { return device_; }

  // The entry for `key` on the selected device, or nullptr (counted as a hit or a miss).
  const TimingEntry* find(const std::string& key);
  // Whether find(key) would succeed, without counting (to plan work before the real lookups).
  bool contains(const std::string& key) const {
    return !device_.empty() && entries_.count({device_, key}) > 0;
  }
  // Records (or replaces) the entry for `key` on the selected device. Errors on an empty or
  // unprintable field, or when no device was selected.
  Status record(const std::string& key, const std::string& tactic, double ms);

  size_t size() const { return entries_.size(); }
  size_t hits() const { return hits_; }
  size_t misses() const { return misses_; }
  size_t recorded() const { return recorded_; }
  // Whether record() changed anything since load (no need to rewrite the file otherwise).
  bool modified() const { return modified_; }

 private:
  std::map<std::pair<std::string, std::string>, TimingEntry> entries_;  // (device, key)
  std::string source_;  // the file it came from, for messages
  std::string device_;
  size_t hits_ = 0, misses_ = 0, recorded_ = 0;
  bool modified_ = false;
};

}  // namespace actrt::engine
