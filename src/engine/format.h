// actrt engine file format, version 1.
//
// All integers little-endian. Offsets are from the start of the file.
//
//   Header (128 bytes)
//     0   char[8]  magic "ACTRTENG"
//     8   u32      format version (kFormatVersion)
//     12  u32      header size (128)
//     16  u64      file size in bytes (truncation check)
//     24  u64      checksum: FNV-1a 64 of bytes [32, file size) (rest of header + all sections)
//     32  u32      backend (0 = cpu, 1 = cuda)
//     36  u32      reserved (0)
//     40  char[24] producer version, NUL-padded ("0.1.0"): readable even when the rest is not
//     64  char[64] reserved (0)
//   Sections, from offset 128, each:
//     u32 tag, u32 reserved (0), u64 length, `length` bytes, then zero padding to 8 bytes.
//     Tags in this order (kSection*):
//       TARGET    string: the machine the plan was built for: CPU "x86_64:avx2,avx512f" or
//                 "aarch64:asimd,asimddp"; CUDA "sm_90;cudnn=9.19.0;cublasLt=13.0.2" (architecture
//                 and the library versions the tactics were timed with; "sm_90" alone in older
//                 files: cuda_target.h)
//       META      u32 count, then (string key, string value) pairs, sorted by key
//       GRAPH     the final graph: values, inputs, outputs, nodes with attributes (below)
//       LAYERS    u32 count, then (string node, string kernel, u32 precision) in node order
//       SCALES    u32 count, then (string tensor, f32 scale) sorted by tensor name
//       WEIGHTS   constant data: for each constant value in GRAPH order, its bytes at an
//                 offset aligned to 64 bytes from the start of the file (zero padding between)
//   Strings are u32 length + bytes (no NUL).
//
//   GRAPH section:
//     string name, i64 opset
//     u32 value count, then per value: string name, i32 dtype (ONNX numbering), u32 rank,
//       i64 dims[rank], u8 is_constant, u64 weight offset (absolute file offset, 0 if not
//       constant), u64 weight bytes
//     u32 input count, u32 value index each; u32 output count, u32 value index each
//     u32 node count, then per node: string name, string op_type, string domain,
//       u32 input count, i32 value index each (-1 = absent), u32 output count, i32 each,
//       u32 attribute count, then per attribute: string name, u32 kind (ONNX numbering), payload:
//         float f32 | int i64 | string string | floats u32 n + f32[n] | ints u32 n + i64[n] |
//         strings u32 n + string[n] | tensor (i32 dtype, u32 rank, i64 dims, u64 n bytes, bytes) |
//         tensors u32 n + tensor[n] | graph kinds: u32 n + string[n] (opaque serialized protos)
//
// Writing is deterministic: the same plan gives the same bytes, and load -> save reproduces a
// file byte for byte. Loading checks, in order: size, magic, format version (a newer version is
// refused with both versions named), file size against the header (truncation), checksum (any
// flipped bit), then every section bound, and finally the backend's target check.
#pragma once

#include <cstdint>
#include <string_view>

namespace actrt::engine::format {

inline constexpr char kMagic[8] = {'A', 'C', 'T', 'R', 'T', 'E', 'N', 'G'};
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr uint32_t kHeaderSize = 128;
inline constexpr size_t kChecksumFrom = 32;  // the checksum covers [32, end)
inline constexpr uint32_t kWeightAlignment = 64;
inline constexpr size_t kProducerOffset = 40;
inline constexpr size_t kProducerSize = 24;

enum Section : uint32_t {
  kSectionTarget = 1,
  kSectionMeta = 2,
  kSectionGraph = 3,
  kSectionLayers = 4,
  kSectionScales = 5,
  kSectionWeights = 6,
};

// FNV-1a 64-bit over `bytes`.
uint64_t fnv1a64(std::string_view bytes);

}  // namespace actrt::engine::format
