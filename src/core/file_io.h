// Reading and writing user files: the one place that decides what actrt opens and how it
// replaces a file.
//
// Reads take regular files only (a FIFO would block for ever, a device never ends, a directory
// reads as an error deep in a parser) and never read past the size the file had when opened, so
// every read has an end. Writes go to a uniquely named temporary file in the destination's
// folder (mkstemp), are flushed, then renamed over the destination: an interrupted write never
// leaves half a file where a good one was, and no file of the user's is ever touched except the
// destination, and that one only when the caller says `overwrite`.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "actrt/status.h"
#include "core/limits.h"

namespace actrt {

// ok when `path` names a regular file; else kIoError: "<path>: no such file", "<path>: is a
// directory", or "<path>: is not a regular file (a FIFO, device or socket)", each followed by
// "expected <what>" (what: "an ONNX model", "an engine file").
Status check_regular_file(const std::string& path, std::string_view what = "a file");

// Reads a whole regular file of at most `max_bytes`; kIoError names the path and the OS reason.
Result<std::vector<uint8_t>> read_file_bytes(const std::string& path,
                                             uint64_t max_bytes = limits::kMaxFileBytes);
Result<std::string> read_file_text(const std::string& path,
                                   uint64_t max_bytes = limits::kMaxFileBytes);
// The first min(size, max_bytes) bytes of a regular file (to recognize a format by its magic).
Result<std::string> read_file_head(const std::string& path, uint64_t max_bytes);
// `length` bytes at `offset` of a regular file (ONNX external data); refused when the file is
// shorter than offset + length.
Result<std::string> read_file_range(const std::string& path, uint64_t offset, uint64_t length);

// Refused (kInvalidArgument) when `path` exists and `overwrite` is false, or when it exists and
// is not a regular file (a directory, a FIFO: replacing those is never what was meant). Callers
// that do work before writing call this first, so that an existing file is refused before the
// work starts.
Status check_writable(const std::string& path, bool overwrite);

// Writes `bytes` to a temporary file beside `path`, flushes it and renames it to `path`.
// Without `overwrite` an existing `path` is refused, and stays refused if it appears while
// writing (the final step is link(2), which never replaces). Errors carry the OS reason.
Status write_file_atomic(const std::string& path, std::span<const uint8_t> bytes, bool overwrite);
Status write_file_atomic(const std::string& path, std::string_view text, bool overwrite);

// For writers that must open the file themselves (HDF5): create() makes an empty, uniquely
// named file beside `path`; the writer fills temp_path(); commit() moves it into place with the
// same rules as write_file_atomic. A TempFile destroyed without a commit removes its file.
class TempFile {
 public:
  static Result<TempFile> create(const std::string& path);
  TempFile(TempFile&& other) noexcept;
  TempFile& operator=(TempFile&& other) noexcept;
  TempFile(const TempFile&) = delete;
  ~TempFile();
  const std::string& temp_path() const { return temp_; }
  Status commit(bool overwrite);

 private:
  TempFile(std::string path, std::string temp) : path_(std::move(path)), temp_(std::move(temp)) {}
  std::string path_, temp_;
};

}  // namespace actrt
