// Thin RAII wrappers over libhdf5's C API for the ACT episode files (internal to actrt_data).
//
// Every HDF5 failure becomes a Status whose message names the file, the object path and the
// innermost message of HDF5's error stack; HDF5's own printing to stderr is switched off.
// Only what ACT's files need: groups, a bool root attribute stored the way h5py stores numpy
// bools (an int8 enum FALSE=0 / TRUE=1), and f32 / u8 datasets, contiguous or chunked.
//
// <hdf5.h> stays out of this header (its include path is private to actrt_data): ids are held
// as int64_t, which is what hid_t is since HDF5 1.10 (checked in hdf5.cc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actrt/status.h"
#include "actrt/tensor.h"
#include "core/file_io.h"

namespace actrt::data::h5 {

using Hid = int64_t;  // hid_t

// Owns one hid_t; closes it with the matching H5?close.
class Handle {
 public:
  Handle() = default;
  Handle(Hid id, int (*close)(Hid)) : id_(id), close_(close) {}
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }
  void reset();
  // Gives up ownership without closing (the caller closes and checks the result).
  Hid release() {
    const Hid id = id_;
    id_ = -1;
    return id;
  }
  Hid id() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  Hid id_ = -1;
  int (*close_)(Hid) = nullptr;
};

struct DatasetInfo {
  DataType dtype = DataType::kUndefined;  // kUndefined when the HDF5 type is not one we read
  std::string type_name;                  // e.g. "f32", "f64", "u8", "i16", "string" for messages
  Shape dims;
  std::vector<int64_t> chunk;             // empty when contiguous
};

// An open dataset: row-wise (first dimension) reads and chunk writes.
class Dataset {
 public:
  Dataset() = default;
  Dataset(Handle h, std::string file, std::string path, DatasetInfo info)
      : h_(std::move(h)), file_(std::move(file)), path_(std::move(path)), info_(std::move(info)) {}
  const DatasetInfo& info() const { return info_; }
  const std::string& path() const { return path_; }
  // Reads rows [row, row+count) of the first dimension into dst, converting to `as`
  // (kFloat32 or kUInt8; HDF5 converts numeric types).
  Status read_rows(int64_t row, int64_t count, DataType as, void* dst) const;
  // Writes one whole chunk's raw bytes at element offset `offset` (H5Dwrite_chunk: no filters,
  // no chunk cache; the fastest path for one-frame-per-chunk image datasets).
  Status write_chunk(const std::vector<int64_t>& offset, const void* data, size_t bytes);

 private:
  Handle h_;
  std::string file_, path_;
  DatasetInfo info_;
};

class File {
 public:
  // Creates a file to be written: HDF5 writes a temporary file beside `path`, which commit()
  // moves into place. Fails before any work if `path` exists and !overwrite. A File dropped
  // without commit() leaves nothing behind (the temporary file is removed), so a failed write
  // (a full disk) never leaves half an episode under `path`.
  static Result<File> create(const std::string& path, bool overwrite);
  // Closes the file (checking that HDF5 could write everything) and renames it to its path.
  Status commit();

  File() = default;
  File(File&&) noexcept = default;
  File& operator=(File&&) noexcept = default;
  // An uncommitted file being written is emptied before HDF5 closes it: after a failed write
  // (a full disk) the close can then flush, instead of failing and leaving a half-closed file
  // that crashed HDF5's exit handler.
  ~File();
  // Opens an existing regular file read-only.
  static Result<File> open(const std::string& path);

  const std::string& path() const { return path_; }
  bool exists(const std::string& object_path) const;

  // Root attribute stored like h5py stores a numpy bool.
  Status set_bool_attribute(const std::string& name, bool value);
  // Reads a root attribute that is an h5py bool or any integer scalar.
  Result<bool> bool_attribute(const std::string& name) const;

  // Creates "/a/b/c" and its missing parents.
  Status create_groups(const std::string& group_path);
  // Names of the members of a group, sorted.
  Result<std::vector<std::string>> list(const std::string& group_path) const;

  // A contiguous dataset holding `t` (f32 or u8), like h5py's create_dataset without chunks.
  Status write_dataset(const std::string& path, const Tensor& t);
  // A chunked, unfiltered dataset to be filled with Dataset::write_chunk.
  Result<Dataset> create_chunked(const std::string& path, DataType dtype, const Shape& dims,
                                 const Shape& chunk);

  // Opens a dataset; a missing one is kInvalidModel naming the file and the dataset path.
  Result<Dataset> open_dataset(const std::string& path) const;
  // Reads a whole dataset converted to `as` (kFloat32 or kUInt8).
  Result<Tensor> read(const std::string& path, DataType as) const;

  Status flush();

 private:
  // Files being written: declared before h_ so that the HDF5 file is closed before an
  // uncommitted temporary file is removed.
  std::optional<TempFile> temp_;
  bool overwrite_ = false;
  Handle h_;
  std::string path_;
};

}  // namespace actrt::data::h5
