// NumPy .npy and .npz files <-> actrt Tensors (internal to actrt_data for now).
//
// .npy: format versions 1.0, 2.0 and 3.0 are read; 1.0 is written (2.0 when the header needs it),
// with the header padded so that the data starts on a 64-byte boundary like NumPy >= 1.23.
// Element types (little-endian, C order only):
//   <f4 f32   <f2 f16   <i8 i64   <i4 i32   |i1 i8   |u1 u8   |b1 bool
// bf16 tensors have no NumPy dtype and cannot be written. fortran_order=True, big-endian and
// other dtypes (f8, u2, structured ...) are refused with a message that names the file, the
// array and the dtype; a caller converts in NumPy (np.ascontiguousarray(a, dtype=np.float32)).
//
// .npz: a ZIP archive of "<key>.npy" members, as written by np.savez (method "stored") and
// np.savez_compressed (method "deflate", inflated with zlib). ZIP64 records (which NumPy always
// writes through force_zip64) are understood. Keys come back without ".npy". CRC-32 is checked.
// write_npz writes np.savez's layout (stored, no compression) with a fixed timestamp, so the
// same tensors give byte-identical files. Members over 4 GiB are refused when writing.
//
// Errors: truncated or corrupt files report the byte offset (from the start of the file) where
// what was expected was not found.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "actrt/status.h"
#include "actrt/tensor.h"

namespace actrt::data {

using TensorMap = std::map<std::string, Tensor>;

// Parses one .npy image held in memory. `file` and `array` only name things in messages;
// `base_offset` is where `bytes` starts inside `file` (for byte offsets in messages).
Result<Tensor> parse_npy(std::span<const uint8_t> bytes, const std::string& file,
                         const std::string& array, uint64_t base_offset = 0);
// Serializes a tensor to .npy bytes; bf16 and undefined tensors are kUnsupported.
Result<std::vector<uint8_t>> serialize_npy(const Tensor& tensor, const std::string& array = "");

Result<Tensor> read_npy(const std::string& path);
// Writers refuse an existing `path` unless `overwrite` (core/file_io.h: write_file_atomic).
Status write_npy(const std::string& path, const Tensor& tensor, bool overwrite = false);

// Reads every member of an .npz (stored or deflated); keys without ".npy".
Result<TensorMap> read_npz(const std::string& path);
// Writes an uncompressed .npz (np.savez layout). Written to a temporary file then renamed, so a
// failure never leaves a half-written file under `path`.
Status write_npz(const std::string& path, const TensorMap& arrays, bool overwrite = false);

}  // namespace actrt::data
