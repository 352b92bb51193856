#include "engine/timing_cache.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "actrt/log.h"
#include "core/file_io.h"

namespace actrt::engine {

namespace {

// A short, printable excerpt of what was found, for "expected X, found Y" messages (a foreign
// file may be binary).
std::string excerpt(const std::string& s, size_t max = 40) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

bool printable_field(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c == '\t' || c == '\n' || c == '\r') return false;
  return true;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    const size_t tab = line.find('\t', pos);
    out.push_back(line.substr(pos, tab == std::string::npos ? std::string::npos : tab - pos));
    if (tab == std::string::npos) return out;
    pos = tab + 1;
  }
}

// Strict non-negative decimal integer (no sign, no spaces, no trailing text).
bool parse_count(const std::string& s, long long* out) {
  if (s.empty() || s.size() > 18) return false;
  long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

bool parse_ms(const std::string& s, double* out) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || end != s.c_str() + s.size() || !std::isfinite(v) || v < 0) return false;
  *out = v;
  return true;
}

}  // namespace

Result<TimingCache> TimingCache::parse(const std::string& text, const std::string& source) {
  auto at = [&](size_t line) { return source + ": line " + std::to_string(line) + ": "; };
  if (text.empty())
    return invalid_argument(source + ": not an actrt timing cache (the file is empty; expected a first "
                            "line '" + std::string(kMagic) + " " + std::to_string(kVersion) + "')");
  // Header: "actrt-timing-cache <version>".
  const size_t first_nl = text.find('\n');
  const std::string header = text.substr(0, first_nl);
  const std::string magic = std::string(kMagic) + " ";
  if (header.compare(0, magic.size(), magic) != 0)
    return invalid_argument(at(1) + "not an actrt timing cache (expected '" + std::string(kMagic) + " " +
                            std::to_string(kVersion) + "', found '" + excerpt(header) + "')");
  long long version = 0;
  if (!parse_count(header.substr(magic.size()), &version))
    return invalid_argument(at(1) + "malformed header: the version after '" + std::string(kMagic) +
                            "' must be a number, found '" + excerpt(header.substr(magic.size())) + "'");
  if (version != kVersion)
    return version_mismatch(at(1) + "timing cache format version " + std::to_string(version) +
                            "; this actrt reads version " + std::to_string(kVersion) +
                            (version > kVersion ? " (written by a newer actrt)" : "") +
                            ": delete the file or name another one, and it is rebuilt by timing");
  if (first_nl == std::string::npos)
    return invalid_argument(source + ": truncated after the header (no entries and no 'end' line)");

  TimingCache cache;
  std::map<std::pair<std::string, std::string>, size_t> line_of;
  size_t pos = first_nl + 1;
  size_t line_no = 1;
  bool ended = false;
  while (pos < text.size()) {
    ++line_no;
    const size_t nl = text.find('\n', pos);
    if (nl == std::string::npos)
      return invalid_argument(at(line_no) + "truncated: the last line has no newline ('" +
                              excerpt(text.substr(pos)) + "'); the file was cut short");
    const std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (ended)
      return invalid_argument(at(line_no) + "data after the 'end' line ('" + excerpt(line) + "')");
    if (line.compare(0, 4, "end ") == 0) {
      long long count = 0;
      if (!parse_count(line.substr(4), &count))
        return invalid_argument(at(line_no) + "malformed 'end' line: expected 'end <entries>', found '" +
                                excerpt(line) + "'");
      if (static_cast<size_t>(count) != cache.entries_.size())
        return invalid_argument(at(line_no) + "the 'end' line counts " + std::to_string(count) +
                                " entries but the file holds " + std::to_string(cache.entries_.size()) +
                                " (truncated or edited)");
      ended = true;
      continue;
    }
    const std::vector<std::string> f = split_tabs(line);
    if (f.size() != 4)
      return invalid_argument(at(line_no) + "malformed entry: expected 4 tab-separated fields (device, "
                              "key, tactic, ms), found " + std::to_string(f.size()) + " in '" +
                              excerpt(line, 80) + "'");
    static const char* kField[] = {"device", "key", "tactic"};
    for (int i = 0; i < 3; ++i)
      if (!printable_field(f[i]))
        return invalid_argument(at(line_no) + "malformed entry: empty or unprintable " + kField[i] +
                                " field in '" + excerpt(line, 80) + "'");
    TimingEntry e;
    e.tactic = f[2];
    if (!parse_ms(f[3], &e.ms))
      return invalid_argument(at(line_no) + "malformed entry: the time must be a non-negative number "
                              "of milliseconds, found '" + excerpt(f[3]) + "'");
    auto key = std::make_pair(f[0], f[1]);
    if (auto it = line_of.find(key); it != line_of.end())
      return invalid_argument(at(line_no) + "malformed entry: duplicate of line " +
                              std::to_string(it->second) + " (same device and key)");
    line_of[key] = line_no;
    cache.entries_[key] = std::move(e);
  }
  if (!ended)
    return invalid_argument(source + ": truncated: no 'end' line after line " + std::to_string(line_no) +
                            " (" + std::to_string(cache.entries_.size()) + " entries read)");
  cache.source_ = source;
  return cache;
}

Result<TimingCache> TimingCache::load_or_empty(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    log_info("Timing cache " + path + " does not exist yet: every tactic is timed, and the file is "
             "written after the build");
    TimingCache empty;
    empty.source_ = path;
    return empty;
  }
  if (std::filesystem::is_directory(path, ec))
    return invalid_argument("timing cache " + path + " is a folder, not a file");
  auto text = read_file_text(path);
  if (!text.ok()) return text.status().with_context("timing cache");
  ASSIGN_OR_RETURN(TimingCache cache, parse(*text, path));
  log_info("Timing cache " + path + ": " + std::to_string(cache.size()) + " entries loaded");
  return cache;
}

std::string TimingCache::serialize() const {
  std::string out = std::string(kMagic) + " " + std::to_string(kVersion) + "\n";
  for (const auto& [dk, e] : entries_) {
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.6g", e.ms);
    out += dk.first + "\t" + dk.second + "\t" + e.tactic + "\t" + ms + "\n";
  }
  out += "end " + std::to_string(entries_.size()) + "\n";
  return out;
}

Status TimingCache::save(const std::string& path) const {
  // The cache the build read (or asked for) is updated in place: --timing-cache names a file the
  // user wants rewritten, so replacing it is the request, not an accident.
  return write_file_atomic(path, serialize(), /*overwrite=*/true).with_context("timing cache");
}

size_t TimingCache::select_device(const std::string& device) {
  device_ = device;
  size_t foreign = 0;
  const std::string* example = nullptr;
  for (const auto& [dk, e] : entries_)
    if (dk.first != device) {
      ++foreign;
      if (!example) example = &dk.first;
    }
  if (foreign)
    log_warning("timing cache " + (source_.empty() ? std::string("(in memory)") : source_) + ": " +
                std::to_string(foreign) + " entries were recorded for another device or library "
                "version (e.g. '" + *example + "') and are ignored here ('" + device +
                "'); they stay in the file");
  return foreign;
}

const TimingEntry* TimingCache::find(const std::string& key) {
  auto it = entries_.find({device_, key});
  if (it == entries_.end() || device_.empty()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  return &it->second;
}

Status TimingCache::record(const std::string& key, const std::string& tactic, double ms) {
  if (device_.empty()) return internal_error("timing cache: record() before select_device()");
  if (!printable_field(device_) || !printable_field(key) || !printable_field(tactic))
    return internal_error("timing cache: an empty field or one with a tab/newline cannot be stored (key '" +
                          excerpt(key, 80) + "', tactic '" + excerpt(tactic) + "')");
  if (!std::isfinite(ms) || ms < 0)
    return internal_error("timing cache: time " + std::to_string(ms) + " ms for key '" + excerpt(key, 80) +
                          "' is not a non-negative number");
  TimingEntry& e = entries_[{device_, key}];
  if (e.tactic != tactic || e.ms != ms) modified_ = true;
  e.tactic = tactic;
  e.ms = ms;
  ++recorded_;
  return ok_status();
}

}  // namespace actrt::engine
