// Little-endian byte writer and bounds-checked reader for engine files.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "actrt/status.h"

namespace actrt::engine {

// Values are written and read in host byte order, which is the file's (little-endian) on every
// host actrt builds for (x86-64, aarch64); a big-endian port needs byte swapping here first.
static_assert(std::endian::native == std::endian::little, "engine files are little-endian");

class ByteWriter {
 public:
  template <typename T>
  void put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&v), sizeof(T));  // host order = little-endian
  }
  void put_string(std::string_view s) {
    put<uint32_t>(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void put_bytes(const void* data, size_t n) { out_.append(static_cast<const char*>(data), n); }
  // Zero padding until size() is a multiple of `alignment`.
  void align(size_t alignment) { out_.append((alignment - out_.size() % alignment) % alignment, '\0'); }
  // Overwrites a value previously written at `offset`.
  template <typename T>
  void patch(size_t offset, T v) {
    std::memcpy(out_.data() + offset, &v, sizeof(T));
  }
  size_t size() const { return out_.size(); }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

// Reads from a window [begin, end) of a buffer; every read is bounds-checked and errors name
// `what` and the absolute byte offset.
class ByteReader {
 public:
  ByteReader(std::string_view buffer, size_t begin, size_t end, std::string what)
      : buf_(buffer), pos_(begin), end_(end), what_(std::move(what)) {}

  template <typename T>
  Result<T> get(const char* field) {
    if (end_ - pos_ < sizeof(T)) return truncated(field, sizeof(T));
    T v;
    std::memcpy(&v, buf_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  Result<std::string> get_string(const char* field) {
    auto n = get<uint32_t>(field);
    if (!n.ok()) return n.status();
    if (end_ - pos_ < n.value()) return truncated(field, n.value());
    std::string s(buf_.substr(pos_, n.value()));
    pos_ += n.value();
    return s;
  }
  Result<std::string_view> get_bytes(size_t n, const char* field) {
    if (end_ - pos_ < n) return truncated(field, n);
    std::string_view v = buf_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  size_t position() const { return pos_; }
  size_t remaining() const { return end_ - pos_; }
  Status error(const std::string& message) const {
    return invalid_model(what_ + " at byte " + std::to_string(pos_) + ": " + message);
  }

 private:
  Status truncated(const char* field, size_t need) const {
    return invalid_model(what_ + " at byte " + std::to_string(pos_) + ": " + field + " needs " +
                         std::to_string(need) + " bytes but only " + std::to_string(end_ - pos_) +
                         " remain in the section (corrupt or truncated engine)");
  }
  std::string_view buf_;
  size_t pos_, end_;
  std::string what_;
};

}  // namespace actrt::engine
