#include "data/npz.h"

#include <fmt/format.h>
#include <zlib.h>

#include <cctype>
#include <cstring>
#include <limits>
#include <optional>

#include "core/file_io.h"
#include "core/limits.h"

namespace actrt::data {

namespace {

constexpr uint8_t kNpyMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

// "file.npz: array 'x': " (or "file.npy: ") prefix for messages.
std::string where(const std::string& file, const std::string& array) {
  return array.empty() ? file + ": " : file + ": array '" + array + "': ";
}

struct DtypeEntry {
  const char* descr;  // as written
  DataType dtype;
};
// One table for both directions; the 1-byte types are written with '|' like NumPy.
constexpr DtypeEntry kDtypes[] = {
    {"<f4", DataType::kFloat32}, {"<f2", DataType::kFloat16}, {"<i8", DataType::kInt64},
    {"<i4", DataType::kInt32},   {"|i1", DataType::kInt8},    {"|u1", DataType::kUInt8},
    {"|b1", DataType::kBool},
};

std::optional<DataType> dtype_from_descr(std::string d) {
  // Byte order is meaningless for 1-byte types; NumPy writes '|' but accepts '<' and '='.
  if (d.size() == 3 && d[2] == '1' && (d[0] == '<' || d[0] == '=')) d[0] = '|';
  if (d.size() == 3 && d[0] == '=') d[0] = '<';  // '=' is native order; our hosts are little-endian
  for (const auto& e : kDtypes)
    if (d == e.descr) return e.dtype;
  return std::nullopt;
}

// A tiny parser for the Python dict literal in an .npy header:
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser {
 public:
  explicit HeaderParser(std::string_view s) : s_(s) {}

  struct Header {
    std::string descr;
    bool fortran_order = false;
    Shape shape;
    bool has_descr = false, has_order = false, has_shape = false;
  };

  // On failure returns a message describing what was expected at which header position.
  std::optional<std::string> parse(Header& h) {
    skip_ws();
    if (!eat('{')) return expected("'{'");
    while (true) {
      skip_ws();
      if (eat('}')) break;
      std::string key;
      if (!string_lit(key)) return expected("a quoted key or '}'");
      skip_ws();
      if (!eat(':')) return expected("':' after key '" + key + "'");
      skip_ws();
      if (key == "descr") {
        if (!string_lit(h.descr)) {
          // A list descr is a structured dtype; report it verbatim.
          size_t end = s_.find(", 'fortran_order'", pos_);
          h.descr = std::string(s_.substr(pos_, end == std::string_view::npos ? 40 : end - pos_));
          return "structured dtype " + h.descr + " is not supported";
        }
        h.has_descr = true;
      } else if (key == "fortran_order") {
        if (word("True")) h.fortran_order = true;
        else if (word("False")) h.fortran_order = false;
        else return expected("True or False for 'fortran_order'");
        h.has_order = true;
      } else if (key == "shape") {
        if (!eat('(')) return expected("'(' for 'shape'");
        while (true) {
          skip_ws();
          if (eat(')')) break;
          int64_t v = 0;
          if (!integer(v)) return expected("a non-negative integer in 'shape'");
          h.shape.push_back(v);
          skip_ws();
          if (eat(',')) continue;
          if (eat(')')) break;
          return expected("',' or ')' in 'shape'");
        }
        h.has_shape = true;
      } else {
        return "unexpected key '" + key + "' in header";
      }
      skip_ws();
      if (eat(',')) continue;
      skip_ws();
      if (eat('}')) break;
      return expected("',' or '}'");
    }
    if (!h.has_descr || !h.has_order || !h.has_shape)
      return std::string("header lacks ") + (!h.has_descr ? "'descr'" : !h.has_order ? "'fortran_order'" : "'shape'");
    return std::nullopt;
  }

 private:
  std::string expected(const std::string& what) const {
    return fmt::format("malformed header: expected {} at header character {} in \"{}\"", what, pos_, s_);
  }
  void skip_ws() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool word(std::string_view w) {
    if (s_.substr(pos_, w.size()) == w) {
      pos_ += w.size();
      return true;
    }
    return false;
  }
  bool string_lit(std::string& out) {
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) return false;
    const char q = s_[pos_];
    size_t end = s_.find(q, pos_ + 1);
    if (end == std::string_view::npos) return false;
    out = std::string(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return true;
  }
  bool integer(int64_t& v) {
    size_t start = pos_;
    v = 0;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
      if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) return false;
      v = v * 10 + (s_[pos_++] - '0');
    }
    if (pos_ < s_.size() && s_[pos_] == 'L') ++pos_;  // Python 2 longs in very old files
    return pos_ > start;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

uint16_t rd16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t rd32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t rd64(const uint8_t* p) { return rd32(p) | (static_cast<uint64_t>(rd32(p + 4)) << 32); }
void wr16(std::vector<uint8_t>& o, uint16_t v) {
  o.push_back(v & 0xff);
  o.push_back(v >> 8);
}
void wr32(std::vector<uint8_t>& o, uint32_t v) {
  for (int i = 0; i < 4; ++i) o.push_back((v >> (8 * i)) & 0xff);
}

uint32_t crc32_of(const uint8_t* data, size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib's length is uInt; feed large buffers in pieces.
  while (n > 0) {
    const uInt piece = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    crc = crc32(crc, data, piece);
    data += piece;
    n -= piece;
  }
  return static_cast<uint32_t>(crc);
}

std::string at(uint64_t offset) { return " at byte " + std::to_string(offset); }

}  // namespace

Result<Tensor> parse_npy(std::span<const uint8_t> bytes, const std::string& file,
                         const std::string& array, uint64_t base_offset) {
  const std::string w = where(file, array);
  if (bytes.size() < 10)
    return invalid_model(fmt::format("{}truncated .npy: {} bytes, the fixed preamble needs 10{}", w,
                                     bytes.size(), at(base_offset)));
  if (std::memcmp(bytes.data(), kNpyMagic, 6) != 0)
    return invalid_model(w + "not an .npy array: missing the \\x93NUMPY magic" + at(base_offset));
  const uint8_t major = bytes[6];
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = rd16(bytes.data() + 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return invalid_model(w + "truncated .npy preamble" + at(base_offset + bytes.size()));
    header_len = rd32(bytes.data() + 8);
    header_start = 12;
  } else {
    return version_mismatch(
        fmt::format("{}.npy format version {}.{} is not supported (1.0, 2.0, 3.0 are){}", w, major,
                    bytes[7], at(base_offset + 6)));
  }
  if (header_start + header_len > bytes.size())
    return invalid_model(fmt::format(
        "{}truncated .npy header: needs {} bytes from byte {}, the data ends at byte {}", w,
        header_len, base_offset + header_start, base_offset + bytes.size()));
  std::string_view header(reinterpret_cast<const char*>(bytes.data() + header_start), header_len);
  HeaderParser::Header h;
  if (auto err = HeaderParser(header).parse(h))
    return (err->rfind("structured", 0) == 0 ? unsupported(w + *err)
                                             : invalid_model(w + *err + at(base_offset + header_start)));
  const std::optional<DataType> dtype = dtype_from_descr(h.descr);
  if (!dtype)
    return unsupported(w + "dtype '" + h.descr +
                       "' is not supported (supported: <f4 <f2 <i8 <i4 |i1 |u1 |b1, little-endian); "
                       "convert with a.astype(np.float32) or similar");
  if (h.fortran_order)
    return unsupported(w + "fortran_order=True (dtype " + h.descr + ", shape " +
                       shape_to_string(h.shape) +
                       ") is not supported; save np.ascontiguousarray(a) instead");
  // The element count against the limits, before anything is compared or allocated.
  auto counted = limits::checked_numel(h.shape, *dtype, w + "shape " + shape_to_string(h.shape));
  if (!counted.ok()) return counted.status();
  const uint64_t numel = static_cast<uint64_t>(*counted);
  const uint64_t data_start = header_start + header_len;
  const uint64_t need = numel * dtype_size(*dtype);
  const uint64_t have = bytes.size() - data_start;
  if (have < need)
    return invalid_model(fmt::format(
        "{}truncated data: shape {} {} needs {} bytes from byte {}, but the data ends at byte {}",
        w, shape_to_string(h.shape), h.descr, need, base_offset + data_start,
        base_offset + bytes.size()));
  if (have > need)
    return invalid_model(fmt::format(
        "{}{} unexpected trailing bytes after the data of shape {} {}{}", w, have - need,
        shape_to_string(h.shape), h.descr, at(base_offset + data_start + need)));
  ASSIGN_OR_RETURN(Tensor t, limits::allocate_tensor(*dtype, h.shape, w + "array"));
  if (need) std::memcpy(t.raw_data(), bytes.data() + data_start, need);
  if (*dtype == DataType::kBool) {
    for (uint8_t& b : std::span<uint8_t>(static_cast<uint8_t*>(t.raw_data()), need))
      if (b > 1) b = 1;  // keep bool storage canonical whatever the writer put there
  }
  return t;
}

Result<std::vector<uint8_t>> serialize_npy(const Tensor& tensor, const std::string& array) {
  const char* descr = nullptr;
  for (const auto& e : kDtypes)
    if (e.dtype == tensor.dtype()) descr = e.descr;
  if (!descr)
    return unsupported((array.empty() ? std::string() : "array '" + array + "': ") + "dtype " +
                       std::string(dtype_name(tensor.dtype())) + " has no NumPy .npy equivalent");
  std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < tensor.shape().size(); ++i) {
    dict += std::to_string(tensor.shape()[i]);
    dict += (tensor.shape().size() == 1 || i + 1 < tensor.shape().size()) ? ", " : "";
  }
  // NumPy writes "(3,)" for one dimension and "(2, 3)" otherwise.
  if (tensor.shape().size() == 1) dict.pop_back();
  dict += "), }";
  // Pad with spaces + '\n' so that the preamble + header is a multiple of 64 bytes.
  size_t preamble = 10;
  size_t total = preamble + dict.size() + 1;
  if ((total + 63) / 64 * 64 - preamble > 0xffff) preamble = 12;  // version 2.0
  total = preamble + dict.size() + 1;
  const size_t padded = (total + 63) / 64 * 64;
  dict.append(padded - total, ' ');
  dict += '\n';
  std::vector<uint8_t> out(kNpyMagic, kNpyMagic + 6);
  out.push_back(preamble == 10 ? 1 : 2);
  out.push_back(0);
  if (preamble == 10) wr16(out, static_cast<uint16_t>(dict.size()));
  else wr32(out, static_cast<uint32_t>(dict.size()));
  out.insert(out.end(), dict.begin(), dict.end());
  const auto* p = static_cast<const uint8_t*>(tensor.raw_data());
  if (tensor.nbytes()) out.insert(out.end(), p, p + tensor.nbytes());
  return out;
}

Result<Tensor> read_npy(const std::string& path) {
  ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, read_file_bytes(path));
  return parse_npy(bytes, path, "");
}

Status write_npy(const std::string& path, const Tensor& tensor, bool overwrite) {
  auto bytes = serialize_npy(tensor);
  if (!bytes.ok()) return bytes.status().with_context(path);
  return write_file_atomic(path, *bytes, overwrite);
}

// ZIP layout (APPNOTE.TXT): local headers + data, then the central directory, then the
// end-of-central-directory record (EOCD), optionally preceded by the ZIP64 EOCD + locator.
Result<TensorMap> read_npz(const std::string& path) {
  ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, read_file_bytes(path));
  const uint64_t size = bytes.size();
  const uint8_t* b = bytes.data();
  const std::string w = path + ": ";
  if (size >= 4 && rd32(b) != 0x04034b50 && rd32(b) != 0x06054b50) {
    if (size >= 6 && std::memcmp(b, kNpyMagic, 6) == 0)
      return invalid_argument(w + "this is an .npy file, not an .npz archive; use read_npy");
    return invalid_model(w + "not a ZIP (.npz) archive: no local file header signature at byte 0");
  }
  // Find the EOCD by scanning back over a possible archive comment (at most 65535 bytes).
  if (size < 22)
    return invalid_model(
        fmt::format("{}truncated: {} bytes is less than an empty ZIP (22)", w, size));
  int64_t eocd = -1;
  for (int64_t p = static_cast<int64_t>(size) - 22; p >= 0 && p >= static_cast<int64_t>(size) - 22 - 65535; --p) {
    if (rd32(b + p) == 0x06054b50 && p + 22 + rd16(b + p + 20) == static_cast<int64_t>(size)) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0)
    return invalid_model(
        fmt::format("{}truncated or corrupt: no ZIP end-of-central-directory record in the last {} "
                    "bytes (file size {})",
                    w, std::min<uint64_t>(size, 22 + 65535), size));
  uint64_t entries = rd16(b + eocd + 10);
  uint64_t cd_size = rd32(b + eocd + 12);
  uint64_t cd_offset = rd32(b + eocd + 16);
  if (entries == 0xffff || cd_size == 0xffffffffu || cd_offset == 0xffffffffu) {
    // ZIP64: the locator sits right before the EOCD and points at the ZIP64 EOCD.
    if (eocd < 20 || rd32(b + eocd - 20) != 0x07064b50)
      return invalid_model(w + "ZIP64 values without a ZIP64 locator" + at(eocd - 20));
    const uint64_t z = rd64(b + eocd - 20 + 8);
    if (z + 56 > size || rd32(b + z) != 0x06064b50)
      return invalid_model(w + "corrupt ZIP64 end-of-central-directory record" + at(z));
    entries = rd64(b + z + 32);
    cd_size = rd64(b + z + 40);
    cd_offset = rd64(b + z + 48);
  }
  if (cd_offset > size || cd_size > size - cd_offset)
    return invalid_model(
        fmt::format("{}truncated: the central directory ({} bytes{}) extends past the end of the "
                    "file (size {})",
                    w, cd_size, at(cd_offset), size));
  TensorMap out;
  uint64_t p = cd_offset;
  for (uint64_t i = 0; i < entries; ++i) {
    if (p + 46 > cd_offset + cd_size || rd32(b + p) != 0x02014b50)
      return invalid_model(
          fmt::format("{}corrupt central directory: entry {} of {} has no valid header{}", w, i,
                      entries, at(p)));
    const uint16_t flags = rd16(b + p + 8);
    const uint16_t method = rd16(b + p + 10);
    const uint32_t crc = rd32(b + p + 16);
    uint64_t comp_size = rd32(b + p + 20);
    uint64_t uncomp_size = rd32(b + p + 24);
    const uint16_t name_len = rd16(b + p + 28), extra_len = rd16(b + p + 30),
                   comment_len = rd16(b + p + 32);
    uint64_t local = rd32(b + p + 42);
    if (p + 46 + name_len + extra_len + comment_len > cd_offset + cd_size)
      return invalid_model(fmt::format(
          "{}corrupt central directory: entry {} runs past the directory's end{}", w, i, at(p)));
    std::string name(reinterpret_cast<const char*>(b + p + 46), name_len);
    // ZIP64 extended information: only the fields that are 0xffffffff above, in this order.
    for (uint64_t e = p + 46 + name_len; e + 4 <= p + 46 + name_len + extra_len;) {
      const uint16_t id = rd16(b + e), len = rd16(b + e + 2);
      if (id == 0x0001) {
        uint64_t f = e + 4;
        const uint64_t end = f + len;
        auto take = [&](uint64_t& v) {
          if (v == 0xffffffffu && f + 8 <= end) {
            v = rd64(b + f);
            f += 8;
          }
        };
        take(uncomp_size);
        take(comp_size);
        take(local);
      }
      e += 4 + len;
    }
    p += 46 + name_len + extra_len + comment_len;

    std::string key = name;
    if (key.size() > 4 && key.compare(key.size() - 4, 4, ".npy") == 0) key.resize(key.size() - 4);
    const std::string mw = w + "member '" + name + "': ";
    if (flags & 0x1) return unsupported(mw + "encrypted ZIP members are not supported");
    if (local + 30 > size || rd32(b + local) != 0x04034b50)
      return invalid_model(mw + "no local file header" + at(local));
    const uint64_t data = local + 30 + rd16(b + local + 26) + rd16(b + local + 28);
    if (data > size || comp_size > size - data)
      return invalid_model(fmt::format(
          "{}truncated: {} bytes of data from byte {} run past the end of the file (size {})", mw,
          comp_size, data, size));
    std::span<const uint8_t> member;
    std::vector<uint8_t> inflated;
    if (method == 0) {
      if (comp_size != uncomp_size)
        return invalid_model(fmt::format("{}stored member with compressed size {} != size {}{}", mw,
                                         comp_size, uncomp_size, at(local)));
      member = {b + data, comp_size};
    } else if (method == 8) {
      // An .npy member is one array and its header: the tensor limit bounds it.
      if (uncomp_size > limits::kMaxTensorBytes + (1u << 16))
        return invalid_model(fmt::format("{}uncompressed size {} is above the limit of {} bytes{}",
                                         mw, uncomp_size, limits::kMaxTensorBytes, at(local)));
      try {
        inflated.resize(uncomp_size);
      } catch (const std::bad_alloc&) {
        return limits::out_of_memory(mw + "inflated member", uncomp_size);
      }
      z_stream zs{};
      if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return internal_error(mw + "inflateInit2 failed");
      zs.next_in = const_cast<Bytef*>(b + data);
      zs.next_out = inflated.data();
      int rc = Z_OK;
      // Feed in pieces: zlib counts in uInt.
      uint64_t in_left = comp_size, out_left = uncomp_size;
      while (rc == Z_OK) {
        zs.avail_in = static_cast<uInt>(std::min<uint64_t>(in_left, 1u << 30));
        zs.avail_out = static_cast<uInt>(std::min<uint64_t>(out_left, 1u << 30));
        const uInt ai = zs.avail_in, ao = zs.avail_out;
        rc = inflate(&zs, Z_NO_FLUSH);
        in_left -= ai - zs.avail_in;
        out_left -= ao - zs.avail_out;
        if (rc == Z_OK && ai == zs.avail_in && ao == zs.avail_out) rc = Z_BUF_ERROR;
      }
      const uint64_t consumed = comp_size - in_left;
      const std::string zmsg = zs.msg ? zs.msg : "stream ended early";
      inflateEnd(&zs);
      if (rc != Z_STREAM_END || out_left != 0)
        return invalid_model(mw + "corrupt deflate data (zlib: " + zmsg + ")" + at(data + consumed));
      member = inflated;
    } else {
      return unsupported(fmt::format(
          "{}ZIP compression method {} is not supported (0 stored and 8 deflate are)", mw, method));
    }
    if (crc32_of(member.data(), member.size()) != crc)
      return invalid_model(
          fmt::format("{}CRC-32 mismatch: the data from byte {} is corrupt", mw, data));
    ASSIGN_OR_RETURN(Tensor t, parse_npy(member, path, key, method == 0 ? data : 0));
    if (!out.emplace(key, std::move(t)).second)
      return invalid_model(w + "duplicate member '" + name + "'");
  }
  return out;
}

Status write_npz(const std::string& path, const TensorMap& arrays, bool overwrite) {
  std::vector<uint8_t> out, cd;
  // DOS time 00:00:00, date 1980-01-01: a fixed stamp keeps the file byte-identical across runs.
  constexpr uint16_t kTime = 0, kDate = (0 << 9) | (1 << 5) | 1;
  for (const auto& [key, tensor] : arrays) {
    if (key.empty()) return invalid_argument(path + ": an array key is empty");
    auto npy = serialize_npy(tensor, key);
    if (!npy.ok()) return npy.status().with_context(path);
    const std::string name = key + ".npy";
    if (npy->size() >= 0xffffffffu || out.size() >= 0xffffffffu)
      return unsupported(path + ": array '" + key + "' would need ZIP64 (over 4 GiB), which write_npz does not write");
    const uint32_t crc = crc32_of(npy->data(), npy->size());
    const uint32_t local = static_cast<uint32_t>(out.size());
    const auto size = static_cast<uint32_t>(npy->size());
    auto common = [&](std::vector<uint8_t>& o) {
      wr16(o, 20);  // version needed: 2.0
      wr16(o, 0);   // flags
      wr16(o, 0);   // method: stored
      wr16(o, kTime);
      wr16(o, kDate);
      wr32(o, crc);
      wr32(o, size);
      wr32(o, size);
      wr16(o, static_cast<uint16_t>(name.size()));
      wr16(o, 0);  // extra length
    };
    wr32(out, 0x04034b50);
    common(out);
    out.insert(out.end(), name.begin(), name.end());
    out.insert(out.end(), npy->begin(), npy->end());

    wr32(cd, 0x02014b50);
    wr16(cd, 20);  // version made by
    common(cd);
    wr16(cd, 0);  // comment length
    wr16(cd, 0);  // disk number
    wr16(cd, 0);  // internal attributes
    wr32(cd, 0x81a40000u);  // external attributes: a regular file, mode 0644 (as Python writes)
    wr32(cd, local);
    cd.insert(cd.end(), name.begin(), name.end());
  }
  if (out.size() + cd.size() >= 0xffffffffu || arrays.size() >= 0xffff)
    return unsupported(path + ": archive would need ZIP64 (over 4 GiB or 65535 arrays)");
  const auto cd_offset = static_cast<uint32_t>(out.size());
  out.insert(out.end(), cd.begin(), cd.end());
  wr32(out, 0x06054b50);
  wr16(out, 0);
  wr16(out, 0);
  wr16(out, static_cast<uint16_t>(arrays.size()));
  wr16(out, static_cast<uint16_t>(arrays.size()));
  wr32(out, static_cast<uint32_t>(cd.size()));
  wr32(out, cd_offset);
  wr16(out, 0);  // comment length
  return write_file_atomic(path, out, overwrite);
}

}  // namespace actrt::data
