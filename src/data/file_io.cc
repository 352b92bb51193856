#include "data/file_io.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace actrt::data {

namespace {
std::string os_reason() { return std::strerror(errno); }
}  // namespace

Result<std::vector<uint8_t>> read_file_bytes(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return io_error("cannot open '" + path + "' for reading: " + os_reason());
  std::vector<uint8_t> bytes;
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return io_error("error while reading '" + path + "': " + os_reason());
  return bytes;
}

Result<std::string> read_file_text(const std::string& path) {
  ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, read_file_bytes(path));
  return std::string(bytes.begin(), bytes.end());
}

Status write_file_atomic(const std::string& path, std::span<const uint8_t> bytes) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return io_error("cannot open '" + tmp + "' for writing: " + os_reason());
  const bool wrote = bytes.empty() || std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const bool closed = std::fclose(f) == 0;
  if (!wrote || !closed) {
    const std::string reason = os_reason();
    std::remove(tmp.c_str());
    return io_error("error while writing '" + tmp + "': " + reason);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string reason = os_reason();
    std::remove(tmp.c_str());
    return io_error("cannot rename '" + tmp + "' to '" + path + "': " + reason);
  }
  return ok_status();
}

}  // namespace actrt::data
