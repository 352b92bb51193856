#include "data/hdf5.h"

#include "core/limits.h"

#include <fmt/format.h>
#include <hdf5.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <type_traits>

namespace actrt::data::h5 {

static_assert(std::is_same_v<hid_t, Hid>, "hdf5.h assumes hid_t is int64_t (HDF5 >= 1.10)");
static_assert(std::is_same_v<herr_t, int>, "hdf5.h assumes herr_t is int");

namespace {

// HDF5 prints its error stack to stderr by default; we turn it into messages instead.
// The first HDF5 call of every entry point: errors come back as values (hdf5_reason), and HDF5
// registers no exit handler. After a failed write (a full disk, a file size limit) HDF5 cannot
// close the file, keeps it, and its exit handler crashed trying again (SIGSEGV in
// H5F__close_cb after `actrt synth` had already reported the error). Every file actrt writes is
// closed (and checked) by File::commit, and what is left at exit is a temporary file that the
// failed write already removed, so there is nothing for such a handler to do.
void silence_hdf5() {
  static std::once_flag once;
  std::call_once(once, [] {
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  });
}

herr_t innermost(unsigned n, const H5E_error2_t* e, void* out) {
  if (n == 0 && e->desc) *static_cast<std::string*>(out) = e->desc;
  return 0;
}

// The innermost message of HDF5's current error stack ("" when empty), then clears it.
std::string hdf5_reason() {
  std::string s;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, innermost, &s);
  H5Eclear2(H5E_DEFAULT);
  return s.empty() ? "" : " (HDF5: " + s + ")";
}

// hdf5_reason plus the OS's reason for a failed write (errno cleared before the call): HDF5's
// own message ("can't write unprocessed chunk data") never says "No space left on device".
std::string write_reason(int err) {
  return hdf5_reason() + (err != 0 ? std::string(": ") + std::strerror(err) : std::string());
}

hid_t mem_type(DataType t) {
  switch (t) {
    case DataType::kFloat32: return H5T_NATIVE_FLOAT;
    case DataType::kUInt8: return H5T_NATIVE_UINT8;
    case DataType::kInt8: return H5T_NATIVE_INT8;
    case DataType::kInt32: return H5T_NATIVE_INT32;
    case DataType::kInt64: return H5T_NATIVE_INT64;
    default: return H5I_INVALID_HID;
  }
}

// Reads the type of a dataset into DatasetInfo's dtype / type_name.
void describe_type(hid_t type, DatasetInfo& info) {
  const H5T_class_t cls = H5Tget_class(type);
  const size_t size = H5Tget_size(type);
  if (cls == H5T_FLOAT) {
    info.type_name = "f" + std::to_string(size * 8);
    if (size == 4) info.dtype = DataType::kFloat32;
  } else if (cls == H5T_INTEGER) {
    const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
    info.type_name = (is_signed ? "i" : "u") + std::to_string(size * 8);
    if (size == 1) info.dtype = is_signed ? DataType::kInt8 : DataType::kUInt8;
    else if (size == 4 && is_signed) info.dtype = DataType::kInt32;
    else if (size == 8 && is_signed) info.dtype = DataType::kInt64;
  } else if (cls == H5T_STRING) {
    info.type_name = "string";
  } else if (cls == H5T_ENUM) {
    info.type_name = "enum";
  } else if (cls == H5T_COMPOUND) {
    info.type_name = "compound";
  } else {
    info.type_name = "HDF5 class " + std::to_string(static_cast<int>(cls));
  }
}

}  // namespace

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    close_ = o.close_;
    o.id_ = H5I_INVALID_HID;
  }
  return *this;
}

void Handle::reset() {
  if (id_ >= 0 && close_) close_(id_);
  id_ = H5I_INVALID_HID;
}

Status Dataset::read_rows(int64_t row, int64_t count, DataType as, void* dst) const {
  const std::string w = file_ + ": dataset '" + path_ + "': ";
  if (info_.dims.empty() || row < 0 || count < 0 || row + count > info_.dims[0])
    return invalid_argument(fmt::format("{}rows [{}, {}) are outside its shape {}", w, row,
                                        row + count, shape_to_string(info_.dims)));
  std::vector<hsize_t> start(info_.dims.size(), 0), cnt(info_.dims.begin(), info_.dims.end());
  start[0] = static_cast<hsize_t>(row);
  cnt[0] = static_cast<hsize_t>(count);
  Handle fspace(H5Dget_space(h_.id()), H5Sclose);
  Handle mspace(H5Screate_simple(static_cast<int>(cnt.size()), cnt.data(), nullptr), H5Sclose);
  if (!fspace.valid() || !mspace.valid() ||
      H5Sselect_hyperslab(fspace.id(), H5S_SELECT_SET, start.data(), nullptr, cnt.data(), nullptr) < 0 ||
      H5Dread(h_.id(), mem_type(as), mspace.id(), fspace.id(), H5P_DEFAULT, dst) < 0)
    return io_error(
        fmt::format("{}read of rows [{}, {}) failed{}", w, row, row + count, hdf5_reason()));
  return ok_status();
}

Status Dataset::write_chunk(const std::vector<int64_t>& offset, const void* data, size_t bytes) {
  std::vector<hsize_t> off(offset.begin(), offset.end());
  errno = 0;
  if (H5Dwrite_chunk(h_.id(), H5P_DEFAULT, 0, off.data(), bytes, data) < 0)
    return io_error(fmt::format("{}: dataset '{}': chunk write at row {} failed{}", file_, path_,
                                offset.empty() ? 0 : offset[0], write_reason(errno)));
  return ok_status();
}

Result<File> File::create(const std::string& path, bool overwrite) {
  silence_hdf5();
  RETURN_IF_ERROR(check_writable(path, overwrite));
  ASSIGN_OR_RETURN(TempFile temp, TempFile::create(path));
  // The root group, like every object, is created without modification times.
  Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  H5Pset_obj_track_times(fcpl.id(), false);
  // Closing the file closes every object still open in it: after a failed write (a full disk)
  // nothing is left for HDF5's exit handler, which otherwise crashed flushing it again.
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fclose_degree(fapl.id(), H5F_CLOSE_STRONG);
  hid_t id = H5Fcreate(temp.temp_path().c_str(), H5F_ACC_TRUNC, fcpl.id(), fapl.id());
  if (id < 0)
    return io_error("cannot create HDF5 file '" + temp.temp_path() + "' (for '" + path + "')" +
                    hdf5_reason());
  File f;
  f.h_ = Handle(id, H5Fclose);
  f.path_ = path;
  f.temp_.emplace(std::move(temp));
  f.overwrite_ = overwrite;
  return f;
}

File::~File() {
  if (temp_ && h_.valid() && !temp_->temp_path().empty())
    if (::truncate(temp_->temp_path().c_str(), 0) != 0) { /* the close below reports nothing */ }
}

Status File::commit() {
  if (!temp_) return internal_error(path_ + ": commit() on a file opened for reading");
  const hid_t id = h_.release();
  errno = 0;
  if (H5Fclose(id) < 0) return io_error("error while writing '" + path_ + "'" + write_reason(errno));
  RETURN_IF_ERROR(temp_->commit(overwrite_));
  temp_.reset();
  return ok_status();
}

Result<File> File::open(const std::string& path) {
  silence_hdf5();
  RETURN_IF_ERROR(check_regular_file(path, "an HDF5 file"));
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return invalid_model("'" + path + "' is not an HDF5 file");
  }
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) return io_error("cannot open HDF5 file '" + path + "'" + hdf5_reason());
  File f;
  f.h_ = Handle(id, H5Fclose);
  f.path_ = path;
  return f;
}

bool File::exists(const std::string& object_path) const {
  // H5Lexists needs every parent to exist, so walk down the path.
  size_t pos = 1;
  while (true) {
    const size_t slash = object_path.find('/', pos);
    const std::string prefix = object_path.substr(0, slash);
    if (H5Lexists(h_.id(), prefix.c_str(), H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
    if (slash == std::string::npos) return true;
    pos = slash + 1;
  }
}

Status File::set_bool_attribute(const std::string& name, bool value) {
  // h5py's numpy bool: an enum over int8 with members FALSE=0, TRUE=1.
  Handle type(H5Tenum_create(H5T_NATIVE_INT8), H5Tclose);
  int8_t f = 0, t = 1;
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  if (!type.valid() || H5Tenum_insert(type.id(), "FALSE", &f) < 0 ||
      H5Tenum_insert(type.id(), "TRUE", &t) < 0 || !space.valid())
    return internal_error(path_ + ": cannot build the bool attribute type" + hdf5_reason());
  Handle attr(H5Acreate2(h_.id(), name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose);
  const int8_t v = value ? 1 : 0;
  if (!attr.valid() || H5Awrite(attr.id(), type.id(), &v) < 0)
    return io_error(path_ + ": cannot write root attribute '" + name + "'" + hdf5_reason());
  return ok_status();
}

Result<bool> File::bool_attribute(const std::string& name) const {
  if (H5Aexists(h_.id(), name.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return invalid_model(path_ + ": root attribute '" + name + "' is missing");
  }
  Handle attr(H5Aopen(h_.id(), name.c_str(), H5P_DEFAULT), H5Aclose);
  Handle type(attr.valid() ? H5Aget_type(attr.id()) : H5I_INVALID_HID, H5Tclose);
  if (!type.valid()) return io_error(path_ + ": cannot open root attribute '" + name + "'" + hdf5_reason());
  const H5T_class_t cls = H5Tget_class(type.id());
  if (cls != H5T_ENUM && cls != H5T_INTEGER)
    return invalid_model(path_ + ": root attribute '" + name + "' is not a bool or integer");
  // For an enum, read its base integer values; HDF5 converts integers to int64.
  int64_t v = 0;
  if (cls == H5T_ENUM) {
    Handle base(H5Tget_super(type.id()), H5Tclose);
    int8_t raw[16] = {};
    if (H5Tget_size(base.id()) > sizeof(raw) || H5Aread(attr.id(), type.id(), raw) < 0)
      return io_error(path_ + ": cannot read root attribute '" + name + "'" + hdf5_reason());
    for (size_t i = 0; i < H5Tget_size(base.id()); ++i) v |= raw[i];
  } else if (H5Aread(attr.id(), H5T_NATIVE_INT64, &v) < 0) {
    return io_error(path_ + ": cannot read root attribute '" + name + "'" + hdf5_reason());
  }
  return v != 0;
}

Status File::create_groups(const std::string& group_path) {
  size_t pos = 1;
  while (pos <= group_path.size()) {
    size_t slash = group_path.find('/', pos);
    if (slash == std::string::npos) slash = group_path.size();
    const std::string prefix = group_path.substr(0, slash);
    if (!exists(prefix)) {
      // No modification times in object headers: the same episode gives the same bytes.
      Handle gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
      H5Pset_obj_track_times(gcpl.id(), false);
      Handle g(H5Gcreate2(h_.id(), prefix.c_str(), H5P_DEFAULT, gcpl.id(), H5P_DEFAULT), H5Gclose);
      if (!g.valid()) return io_error(path_ + ": cannot create group '" + prefix + "'" + hdf5_reason());
    }
    pos = slash + 1;
  }
  return ok_status();
}

Result<std::vector<std::string>> File::list(const std::string& group_path) const {
  if (!exists(group_path)) return invalid_model(path_ + ": group '" + group_path + "' is missing");
  Handle g(H5Gopen2(h_.id(), group_path.c_str(), H5P_DEFAULT), H5Gclose);
  if (!g.valid()) return invalid_model(path_ + ": '" + group_path + "' is not a group" + hdf5_reason());
  std::vector<std::string> names;
  auto cb = [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->push_back(name);
    return 0;
  };
  if (H5Literate(g.id(), H5_INDEX_NAME, H5_ITER_INC, nullptr, cb, &names) < 0)
    return io_error(path_ + ": cannot list group '" + group_path + "'" + hdf5_reason());
  std::sort(names.begin(), names.end());
  return names;
}

Status File::write_dataset(const std::string& path, const Tensor& t) {
  const hid_t mt = mem_type(t.dtype());
  if (mt < 0) return internal_error(path_ + ": write_dataset '" + path + "': unsupported dtype");
  std::vector<hsize_t> dims(t.shape().begin(), t.shape().end());
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  // Little-endian file types, like h5py on x86 ('<f4', '|u1').
  const hid_t ft = t.dtype() == DataType::kFloat32 ? H5T_IEEE_F32LE : mt;
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_obj_track_times(dcpl.id(), false);  // deterministic bytes (see create_groups)
  Handle ds(H5Dcreate2(h_.id(), path.c_str(), ft, space.id(), H5P_DEFAULT, dcpl.id(), H5P_DEFAULT),
            H5Dclose);
  errno = 0;
  if (!ds.valid() || H5Dwrite(ds.id(), mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.raw_data()) < 0)
    return io_error(path_ + ": cannot write dataset '" + path + "'" + write_reason(errno));
  return ok_status();
}

Result<Dataset> File::create_chunked(const std::string& path, DataType dtype, const Shape& dims,
                                     const Shape& chunk) {
  const hid_t mt = mem_type(dtype);
  if (mt < 0) return internal_error(path_ + ": create_chunked '" + path + "': unsupported dtype");
  std::vector<hsize_t> d(dims.begin(), dims.end()), c(chunk.begin(), chunk.end());
  Handle space(H5Screate_simple(static_cast<int>(d.size()), d.data(), nullptr), H5Sclose);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  if (!space.valid() || !dcpl.valid() || H5Pset_chunk(dcpl.id(), static_cast<int>(c.size()), c.data()) < 0)
    return io_error(path_ + ": cannot set up chunked dataset '" + path + "'" + hdf5_reason());
  // Chunks are written whole, so HDF5 needs neither fill values nor early allocation.
  H5Pset_fill_time(dcpl.id(), H5D_FILL_TIME_NEVER);
  H5Pset_obj_track_times(dcpl.id(), false);  // deterministic bytes (see create_groups)
  const hid_t ft = dtype == DataType::kFloat32 ? H5T_IEEE_F32LE : mt;
  Handle ds(H5Dcreate2(h_.id(), path.c_str(), ft, space.id(), H5P_DEFAULT, dcpl.id(), H5P_DEFAULT),
            H5Dclose);
  if (!ds.valid()) return io_error(path_ + ": cannot create dataset '" + path + "'" + hdf5_reason());
  DatasetInfo info;
  info.dtype = dtype;
  info.type_name = std::string(dtype_name(dtype));
  info.dims = dims;
  info.chunk = chunk;
  return Dataset(std::move(ds), path_, path, std::move(info));
}

Result<Dataset> File::open_dataset(const std::string& path) const {
  if (!exists(path)) return invalid_model(path_ + ": dataset '" + path + "' is missing");
  Handle ds(H5Dopen2(h_.id(), path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!ds.valid()) return invalid_model(path_ + ": '" + path + "' is not a dataset" + hdf5_reason());
  DatasetInfo info;
  Handle type(H5Dget_type(ds.id()), H5Tclose);
  Handle space(H5Dget_space(ds.id()), H5Sclose);
  if (!type.valid() || !space.valid())
    return io_error(path_ + ": cannot inspect dataset '" + path + "'" + hdf5_reason());
  describe_type(type.id(), info);
  const int rank = H5Sget_simple_extent_ndims(space.id());
  std::vector<hsize_t> dims(static_cast<size_t>(std::max(rank, 0)));
  if (rank > 0) H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  info.dims.assign(dims.begin(), dims.end());
  Handle dcpl(H5Dget_create_plist(ds.id()), H5Pclose);
  if (dcpl.valid() && H5Pget_layout(dcpl.id()) == H5D_CHUNKED) {
    std::vector<hsize_t> c(dims.size());
    H5Pget_chunk(dcpl.id(), static_cast<int>(c.size()), c.data());
    info.chunk.assign(c.begin(), c.end());
  }
  return Dataset(std::move(ds), path_, path, std::move(info));
}

Result<Tensor> File::read(const std::string& path, DataType as) const {
  ASSIGN_OR_RETURN(Dataset ds, open_dataset(path));
  if (ds.info().dims.empty()) return invalid_model(path_ + ": dataset '" + path + "' is a scalar");
  ASSIGN_OR_RETURN(Tensor t, limits::allocate_tensor(as, ds.info().dims,
                                                     path_ + ": dataset '" + path + "'"));
  RETURN_IF_ERROR(ds.read_rows(0, ds.info().dims[0], as, t.raw_data()));
  return t;
}

Status File::flush() {
  if (H5Fflush(h_.id(), H5F_SCOPE_LOCAL) < 0) return io_error(path_ + ": flush failed" + hdf5_reason());
  return ok_status();
}

}  // namespace actrt::data::h5
