#include "core/file_io.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <algorithm>
#include <new>

namespace actrt {

namespace {

std::string os_reason(int err) { return std::strerror(err); }

// Closes a descriptor on every path out of a function.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // close(2)'s own result: a write error may only show here (NFS, quotas).
  int release_and_close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

Status not_regular(const std::string& path, std::string_view what, mode_t mode) {
  if (S_ISDIR(mode)) return io_error(fmt::format("{}: is a directory, expected {}", path, what));
  return io_error(fmt::format("{}: is not a regular file (a FIFO, device or socket), expected {}; "
                              "actrt reads and writes regular files only",
                              path, what));
}

// Opens a regular file for reading without blocking on a FIFO that appeared after the check,
// and returns its size as fstat saw it: the read stops there.
Result<std::pair<int, uint64_t>> open_regular(const std::string& path, std::string_view what) {
  RETURN_IF_ERROR(check_regular_file(path, what));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return io_error(fmt::format("cannot open {} '{}' for reading: {}", what, path, os_reason(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const mode_t mode = st.st_mode;
    ::close(fd);
    return not_regular(path, what, mode);
  }
  return std::make_pair(fd, static_cast<uint64_t>(st.st_size));
}

// Reads exactly `length` bytes at `offset` into `out` (pread; EINTR retried).
Status read_exactly(int fd, const std::string& path, uint64_t offset, uint64_t length, char* out) {
  uint64_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd, out + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error(fmt::format("error while reading '{}' at byte {}: {}", path, offset + done, os_reason(errno)));
    if (n == 0)
      return io_error(fmt::format("'{}' ended at byte {} while reading {} bytes at {} (the file "
                                  "shrank while being read)",
                                  path, offset + done, length, offset));
    done += static_cast<uint64_t>(n);
  }
  return ok_status();
}

template <typename Bytes>
Result<Bytes> read_whole(const std::string& path, uint64_t max_bytes) {
  ASSIGN_OR_RETURN(auto opened, open_regular(path, "a file"));
  Fd fd(opened.first);
  const uint64_t size = opened.second;
  if (size > max_bytes)
    return io_error(fmt::format("'{}' has {} bytes, above the limit of {} for this kind of file",
                                path, size, max_bytes));
  Bytes bytes;
  try {
    bytes.resize(size);
  } catch (const std::bad_alloc&) {
    return limits::out_of_memory("the contents of '" + path + "'", size);
  }
  RETURN_IF_ERROR(read_exactly(fd.get(), path, 0, size, reinterpret_cast<char*>(bytes.data())));
  return bytes;
}

std::string folder_of(const std::string& path) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

// Moves a finished temporary file to `path`: rename(2) when replacing is allowed, link(2) +
// unlink when not (link never replaces, so a file that appeared meanwhile is kept).
Status move_into_place(const std::string& temp, const std::string& path, bool overwrite) {
  if (overwrite) {
    if (::rename(temp.c_str(), path.c_str()) != 0)
      return io_error(fmt::format("cannot rename the temporary file '{}' to '{}': {}", temp, path,
                                  os_reason(errno)));
    return ok_status();
  }
  if (::link(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    if (err == EEXIST)
      return invalid_argument(fmt::format("'{}' already exists; refusing to overwrite it (pass "
                                          "--force, or overwrite = true in the API)",
                                          path));
    if (err == EPERM || err == ENOTSUP || err == EOPNOTSUPP) {
      // A file system without hard links (FAT, some FUSE mounts): check, then rename.
      RETURN_IF_ERROR(check_writable(path, /*overwrite=*/false));
      return move_into_place(temp, path, /*overwrite=*/true);
    }
    return io_error(fmt::format("cannot move the temporary file '{}' to '{}': {}", temp, path, os_reason(err)));
  }
  ::unlink(temp.c_str());
  return ok_status();
}

// mkstemp beside `path`: ".<name>.XXXXXX" in the same folder, so that the rename stays on one
// file system; permissions as a plain open(2) would give (0666 less the umask), not mkstemp's 0600.
Result<std::pair<int, std::string>> make_temp_beside(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  name.insert(name.begin(), '.');
  name.append(".XXXXXX");
  std::string pattern = (std::filesystem::path(folder_of(path)) / name).string();
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0)
    return io_error(fmt::format("cannot create a temporary file in '{}' to write '{}': {}",
                                folder_of(path), path, os_reason(errno)));
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  return std::make_pair(fd, pattern);
}

}  // namespace

Status check_regular_file(const std::string& path, std::string_view what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT) return io_error(fmt::format("{}: no such file (expected {})", path, what));
    return io_error(fmt::format("{}: cannot open ({}): {}", path, what, os_reason(err)));
  }
  if (!S_ISREG(st.st_mode)) return not_regular(path, what, st.st_mode);
  return ok_status();
}

Result<std::vector<uint8_t>> read_file_bytes(const std::string& path, uint64_t max_bytes) {
  return read_whole<std::vector<uint8_t>>(path, max_bytes);
}

Result<std::string> read_file_text(const std::string& path, uint64_t max_bytes) {
  return read_whole<std::string>(path, max_bytes);
}

Result<std::string> read_file_head(const std::string& path, uint64_t max_bytes) {
  ASSIGN_OR_RETURN(auto opened, open_regular(path, "a file"));
  Fd fd(opened.first);
  std::string bytes(std::min(opened.second, max_bytes), '\0');
  RETURN_IF_ERROR(read_exactly(fd.get(), path, 0, bytes.size(), bytes.data()));
  return bytes;
}

Result<std::string> read_file_range(const std::string& path, uint64_t offset, uint64_t length) {
  ASSIGN_OR_RETURN(auto opened, open_regular(path, "a file"));
  Fd fd(opened.first);
  const uint64_t size = opened.second;
  const auto end = limits::checked_add(offset, length);
  if (!end || *end > size)
    return invalid_model(fmt::format("'{}' has {} bytes, too short for offset {} + length {}", path,
                                     size, offset, length));
  if (length > limits::kMaxTensorBytes)
    return invalid_model(fmt::format("'{}': a range of {} bytes is above the limit of {}", path,
                                     length, limits::kMaxTensorBytes));
  std::string bytes;
  try {
    bytes.resize(length);
  } catch (const std::bad_alloc&) {
    return limits::out_of_memory("bytes of '" + path + "'", length);
  }
  RETURN_IF_ERROR(read_exactly(fd.get(), path, offset, length, bytes.data()));
  return bytes;
}

Status check_writable(const std::string& path, bool overwrite) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return ok_status();  // absent: the write creates it
  if (S_ISLNK(st.st_mode) && ::stat(path.c_str(), &st) != 0) st.st_mode = S_IFREG;  // dangling
  if (!S_ISREG(st.st_mode))
    return invalid_argument(fmt::format("'{}' exists and is not a regular file; refusing to "
                                        "replace it", path));
  if (!overwrite)
    return invalid_argument(fmt::format("'{}' already exists; refusing to overwrite it (pass "
                                        "--force, or overwrite = true in the API)",
                                        path));
  return ok_status();
}

Status write_file_atomic(const std::string& path, std::span<const uint8_t> bytes, bool overwrite) {
  RETURN_IF_ERROR(check_writable(path, overwrite));
  ASSIGN_OR_RETURN(TempFile temp, TempFile::create(path));
  {
    Fd fd(::open(temp.temp_path().c_str(), O_WRONLY | O_CLOEXEC));
    if (fd.get() < 0)
      return io_error(fmt::format("cannot open the temporary file '{}': {}", temp.temp_path(), os_reason(errno)));
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        return io_error(fmt::format("error while writing '{}' (temporary file '{}'), {} of {} "
                                    "bytes written: {}",
                                    path, temp.temp_path(), done, bytes.size(), os_reason(errno)));
      done += static_cast<size_t>(n);
    }
    if (::fsync(fd.get()) != 0 && errno != EINVAL)
      return io_error(fmt::format("error while writing '{}': flushing to disk failed: {}", path, os_reason(errno)));
    if (fd.release_and_close() != 0)
      return io_error(fmt::format("error while writing '{}': {}", path, os_reason(errno)));
  }
  return temp.commit(overwrite);
}

Status write_file_atomic(const std::string& path, std::string_view text, bool overwrite) {
  return write_file_atomic(
      path, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
      overwrite);
}

Result<TempFile> TempFile::create(const std::string& path) {
  ASSIGN_OR_RETURN(auto made, make_temp_beside(path));
  ::close(made.first);
  return TempFile(path, made.second);
}

TempFile::TempFile(TempFile&& other) noexcept
    : path_(std::move(other.path_)), temp_(std::move(other.temp_)) {
  other.temp_.clear();
}

TempFile& TempFile::operator=(TempFile&& other) noexcept {
  if (this != &other) {
    if (!temp_.empty()) ::unlink(temp_.c_str());
    path_ = std::move(other.path_);
    temp_ = std::move(other.temp_);
    other.temp_.clear();
  }
  return *this;
}

TempFile::~TempFile() {
  if (!temp_.empty()) ::unlink(temp_.c_str());
}

Status TempFile::commit(bool overwrite) {
  RETURN_IF_ERROR(move_into_place(temp_, path_, overwrite));
  temp_.clear();
  return ok_status();
}

}  // namespace actrt
