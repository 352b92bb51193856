#include "engine/serialize.h"

#include <fmt/format.h>

#include <unordered_map>

#include "actrt/version.h"
#include "core/limits.h"
#include "engine/byte_io.h"
#include "engine/format.h"

namespace actrt::engine {

namespace format {
uint64_t fnv1a64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}
}  // namespace format

namespace {

using format::kHeaderSize;

// ---- writing ---------------------------------------------------------------------------------

// Starts a section; returns the offset of its length field for end_section().
size_t begin_section(ByteWriter& w, format::Section tag) {
  w.put<uint32_t>(tag);
  w.put<uint32_t>(0);
  const size_t length_at = w.size();
  w.put<uint64_t>(0);
  return length_at;
}

void end_section(ByteWriter& w, size_t length_at) {
  w.patch<uint64_t>(length_at, w.size() - (length_at + 8));
  w.align(8);
}

void put_tensor(ByteWriter& w, const Tensor& t) {
  w.put<int32_t>(static_cast<int32_t>(t.dtype()));
  w.put<uint32_t>(static_cast<uint32_t>(t.shape().size()));
  for (int64_t d : t.shape()) w.put<int64_t>(d);
  w.put<uint64_t>(t.nbytes());
  w.put_bytes(t.raw_data(), t.nbytes());
}

void put_attribute(ByteWriter& w, const ir::Attribute& a) {
  w.put<uint32_t>(static_cast<uint32_t>(a.kind));
  switch (a.kind) {
    case ir::AttrKind::kFloat: w.put<float>(a.f); break;
    case ir::AttrKind::kInt: w.put<int64_t>(a.i); break;
    case ir::AttrKind::kString: w.put_string(a.s); break;
    case ir::AttrKind::kFloats:
      w.put<uint32_t>(static_cast<uint32_t>(a.floats.size()));
      for (float f : a.floats) w.put<float>(f);
      break;
    case ir::AttrKind::kInts:
      w.put<uint32_t>(static_cast<uint32_t>(a.ints.size()));
      for (int64_t i : a.ints) w.put<int64_t>(i);
      break;
    case ir::AttrKind::kStrings:
      w.put<uint32_t>(static_cast<uint32_t>(a.strings.size()));
      for (const auto& s : a.strings) w.put_string(s);
      break;
    case ir::AttrKind::kTensor: put_tensor(w, a.t); break;
    case ir::AttrKind::kTensors:
      w.put<uint32_t>(static_cast<uint32_t>(a.tensors.size()));
      for (const auto& t : a.tensors) put_tensor(w, t);
      break;
    default:
      w.put<uint32_t>(static_cast<uint32_t>(a.opaque.size()));
      for (const auto& s : a.opaque) w.put_string(s);
      break;
  }
}

// ---- reading ---------------------------------------------------------------------------------

// The one size check of this reader: a shape (rank, then dims) and its byte count at `dtype`,
// both checked against core/limits.h without overflow, before anything of that size exists.
// Returns the shape and its byte count.
Result<std::pair<Shape, uint64_t>> get_shape(ByteReader& r, DataType dtype, const std::string& what) {
  ASSIGN_OR_RETURN(uint32_t rank, r.get<uint32_t>("rank"));
  if (rank > limits::kMaxRank)
    return r.error(what + " has rank " + std::to_string(rank) + ", above the limit of " +
                   std::to_string(limits::kMaxRank));
  Shape shape;
  for (uint32_t i = 0; i < rank; ++i) {
    ASSIGN_OR_RETURN(int64_t d, r.get<int64_t>("dimension"));
    shape.push_back(d);
  }
  auto n = limits::checked_numel(shape, dtype, what);
  if (!n.ok()) return r.error(n.status().message());
  return std::make_pair(shape, static_cast<uint64_t>(*n) * dtype_size(dtype));
}

Result<Tensor> get_tensor(ByteReader& r) {
  ASSIGN_OR_RETURN(int32_t dtype_raw, r.get<int32_t>("tensor dtype"));
  auto dtype = dtype_from_onnx(dtype_raw);
  if (!dtype) return r.error("unknown tensor dtype " + std::to_string(dtype_raw));
  ASSIGN_OR_RETURN(auto shape_and_bytes, get_shape(r, *dtype, "tensor"));
  const auto& [shape, expected] = shape_and_bytes;
  ASSIGN_OR_RETURN(uint64_t nbytes, r.get<uint64_t>("tensor size"));
  if (nbytes != expected)
    return r.error(fmt::format("tensor size is {} bytes, its shape {} needs {}", nbytes,
                               shape_to_string(shape), expected));
  ASSIGN_OR_RETURN(std::string_view bytes, r.get_bytes(nbytes, "tensor data"));
  ASSIGN_OR_RETURN(Tensor t, limits::allocate_tensor(*dtype, shape, "a tensor of the engine file"));
  if (nbytes) std::memcpy(t.raw_data(), bytes.data(), nbytes);
  return t;
}

Result<ir::Attribute> get_attribute(ByteReader& r) {
  ir::Attribute a;
  ASSIGN_OR_RETURN(uint32_t kind, r.get<uint32_t>("attribute kind"));
  if (kind == 0 || kind > static_cast<uint32_t>(ir::AttrKind::kTypeProtos))
    return r.error("unknown attribute kind " + std::to_string(kind));
  a.kind = static_cast<ir::AttrKind>(kind);
  auto count = [&]() { return r.get<uint32_t>("attribute element count"); };
  switch (a.kind) {
    case ir::AttrKind::kFloat: { ASSIGN_OR_RETURN(a.f, r.get<float>("float attribute")); break; }
    case ir::AttrKind::kInt: { ASSIGN_OR_RETURN(a.i, r.get<int64_t>("int attribute")); break; }
    case ir::AttrKind::kString: { ASSIGN_OR_RETURN(a.s, r.get_string("string attribute")); break; }
    case ir::AttrKind::kFloats: {
      ASSIGN_OR_RETURN(uint32_t n, count());
      for (uint32_t i = 0; i < n; ++i) {
        ASSIGN_OR_RETURN(float f, r.get<float>("floats attribute"));
        a.floats.push_back(f);
      }
      break;
    }
    case ir::AttrKind::kInts: {
      ASSIGN_OR_RETURN(uint32_t n, count());
      for (uint32_t i = 0; i < n; ++i) {
        ASSIGN_OR_RETURN(int64_t v, r.get<int64_t>("ints attribute"));
        a.ints.push_back(v);
      }
      break;
    }
    case ir::AttrKind::kStrings: {
      ASSIGN_OR_RETURN(uint32_t n, count());
      for (uint32_t i = 0; i < n; ++i) {
        ASSIGN_OR_RETURN(std::string s, r.get_string("strings attribute"));
        a.strings.push_back(std::move(s));
      }
      break;
    }
    case ir::AttrKind::kTensor: { ASSIGN_OR_RETURN(a.t, get_tensor(r)); break; }
    case ir::AttrKind::kTensors: {
      ASSIGN_OR_RETURN(uint32_t n, count());
      for (uint32_t i = 0; i < n; ++i) {
        ASSIGN_OR_RETURN(Tensor t, get_tensor(r));
        a.tensors.push_back(std::move(t));
      }
      break;
    }
    default: {
      ASSIGN_OR_RETURN(uint32_t n, count());
      for (uint32_t i = 0; i < n; ++i) {
        ASSIGN_OR_RETURN(std::string s, r.get_string("opaque attribute"));
        a.opaque.push_back(std::move(s));
      }
      break;
    }
  }
  return a;
}

struct SectionView {
  size_t begin = 0, end = 0;
};

}  // namespace

Result<std::string> serialize_plan(const runtime::Plan& plan) {
  if (!plan.graph) return internal_error("serialize_plan: the plan has no graph");
  const ir::Graph& g = *plan.graph;
  ByteWriter w;
  // Header; checksum and file size are patched at the end.
  w.put_bytes(format::kMagic, 8);
  w.put<uint32_t>(format::kFormatVersion);
  w.put<uint32_t>(kHeaderSize);
  w.put<uint64_t>(0);  // file size
  w.put<uint64_t>(0);  // checksum
  w.put<uint32_t>(static_cast<uint32_t>(plan.backend));
  w.put<uint32_t>(0);
  char producer[format::kProducerSize] = {};
  const std::string_view version = version_string();
  std::memcpy(producer, version.data(), std::min(version.size(), sizeof producer - 1));
  w.put_bytes(producer, sizeof producer);
  w.align(kHeaderSize);

  size_t at = begin_section(w, format::kSectionTarget);
  w.put_string(plan.target);
  end_section(w, at);

  at = begin_section(w, format::kSectionMeta);
  w.put<uint32_t>(static_cast<uint32_t>(plan.metadata.size()));
  for (const auto& [k, v] : plan.metadata) {
    w.put_string(k);
    w.put_string(v);
  }
  end_section(w, at);

  // Index values: every value referenced by nodes, inputs or outputs, in first-use order.
  std::vector<const ir::Value*> values;
  std::unordered_map<const ir::Value*, int32_t> index;
  auto add = [&](const ir::Value* v) {
    if (v && !index.count(v)) {
      index[v] = static_cast<int32_t>(values.size());
      values.push_back(v);
    }
  };
  for (const ir::Value* v : g.inputs()) add(v);
  for (const auto& n : g.nodes()) {
    for (const ir::Value* v : n->inputs()) add(v);
    for (const ir::Value* v : n->outputs()) add(v);
  }
  for (const ir::Value* v : g.outputs()) add(v);

  at = begin_section(w, format::kSectionGraph);
  w.put_string(g.name());
  w.put<int64_t>(g.opset());
  w.put<uint32_t>(static_cast<uint32_t>(values.size()));
  std::vector<std::pair<size_t, const ir::Value*>> weight_patches;
  for (const ir::Value* v : values) {
    w.put_string(v->name());
    w.put<int32_t>(static_cast<int32_t>(v->dtype()));
    const Shape shape = v->has_shape() ? v->shape() : Shape{};
    w.put<uint32_t>(static_cast<uint32_t>(shape.size()));
    for (int64_t d : shape) w.put<int64_t>(d);
    w.put<uint8_t>(v->is_constant() ? 1 : 0);
    if (v->is_constant()) weight_patches.emplace_back(w.size(), v);
    w.put<uint64_t>(0);
    w.put<uint64_t>(v->is_constant() ? v->constant().nbytes() : 0);
  }
  w.put<uint32_t>(static_cast<uint32_t>(g.inputs().size()));
  for (const ir::Value* v : g.inputs()) w.put<uint32_t>(static_cast<uint32_t>(index.at(v)));
  w.put<uint32_t>(static_cast<uint32_t>(g.outputs().size()));
  for (const ir::Value* v : g.outputs()) w.put<uint32_t>(static_cast<uint32_t>(index.at(v)));
  w.put<uint32_t>(static_cast<uint32_t>(g.node_count()));
  for (const auto& n : g.nodes()) {
    w.put_string(n->name());
    w.put_string(n->op_type());
    w.put_string(n->domain());
    w.put<uint32_t>(static_cast<uint32_t>(n->inputs().size()));
    for (const ir::Value* v : n->inputs()) w.put<int32_t>(v ? index.at(v) : -1);
    w.put<uint32_t>(static_cast<uint32_t>(n->outputs().size()));
    for (const ir::Value* v : n->outputs()) w.put<int32_t>(v ? index.at(v) : -1);
    w.put<uint32_t>(static_cast<uint32_t>(n->attributes().size()));
    for (const auto& [name, a] : n->attributes()) {
      w.put_string(name);
      put_attribute(w, a);
    }
  }
  end_section(w, at);

  at = begin_section(w, format::kSectionLayers);
  w.put<uint32_t>(static_cast<uint32_t>(g.node_count()));
  for (const auto& n : g.nodes()) {
    auto it = plan.layers.find(n->name());
    w.put_string(n->name());
    w.put_string(it == plan.layers.end() ? "" : it->second.kernel);
    w.put<uint32_t>(static_cast<uint32_t>(it == plan.layers.end() ? Precision::kFp32
                                                                   : it->second.precision));
  }
  end_section(w, at);

  at = begin_section(w, format::kSectionScales);
  w.put<uint32_t>(static_cast<uint32_t>(plan.int8_scales.size()));
  for (const auto& [name, s] : plan.int8_scales) {
    w.put_string(name);
    w.put<float>(s);
  }
  end_section(w, at);

  at = begin_section(w, format::kSectionWeights);
  for (const auto& [patch_at, v] : weight_patches) {
    w.align(format::kWeightAlignment);
    w.patch<uint64_t>(patch_at, w.size());
    w.put_bytes(v->constant().raw_data(), v->constant().nbytes());
  }
  end_section(w, at);

  std::string& bytes = w.bytes();
  w.patch<uint64_t>(16, bytes.size());
  w.patch<uint64_t>(24, format::fnv1a64(std::string_view(bytes).substr(format::kChecksumFrom)));
  return std::move(bytes);
}

Result<EngineHeader> read_header(std::string_view bytes, const std::string& source) {
  EngineHeader h;
  if (bytes.size() < 8 || std::memcmp(bytes.data(), format::kMagic, 8) != 0)
    return invalid_model(source + ": not an actrt engine (the file does not start with the magic "
                         "bytes \"ACTRTENG\"; is it an ONNX model or another tool's engine?)");
  if (bytes.size() < kHeaderSize)
    return invalid_model(source + ": truncated engine: " + std::to_string(bytes.size()) +
                         " bytes, shorter than the " + std::to_string(kHeaderSize) + "-byte header");
  std::memcpy(&h.format_version, bytes.data() + 8, 4);
  std::memcpy(&h.file_size, bytes.data() + 16, 8);
  std::memcpy(&h.checksum, bytes.data() + 24, 8);
  uint32_t backend = 0;
  std::memcpy(&backend, bytes.data() + 32, 4);
  h.producer = std::string(bytes.substr(format::kProducerOffset, format::kProducerSize).data());
  if (h.producer.size() > format::kProducerSize) h.producer.resize(format::kProducerSize);
  if (h.format_version > format::kFormatVersion)
    return version_mismatch(source + ": engine format version " + std::to_string(h.format_version) +
                            " (written by actrt " + h.producer +
                            ") is newer than this actrt supports (" +
                            std::to_string(format::kFormatVersion) + ", actrt " +
                            std::string(version_string()) + "); upgrade actrt or rebuild the engine");
  uint32_t header_size = 0;
  std::memcpy(&header_size, bytes.data() + 12, 4);
  if (header_size != kHeaderSize)
    return invalid_model(source + ": header size field says " + std::to_string(header_size) +
                         " at byte 12, expected " + std::to_string(kHeaderSize) + " (corrupt header)");
  if (h.format_version == 0)
    return invalid_model(source + ": engine format version 0 is invalid (corrupt header)");
  if (backend > static_cast<uint32_t>(BackendKind::kCuda))
    return invalid_model(source + ": unknown backend id " + std::to_string(backend) + " at byte 32");
  h.backend = static_cast<BackendKind>(backend);
  if (h.file_size != bytes.size())
    return invalid_model(source + ": engine is " + std::to_string(bytes.size()) +
                         " bytes but its header says " + std::to_string(h.file_size) +
                         (bytes.size() < h.file_size ? " (truncated)" : " (trailing bytes)"));
  const uint64_t actual = format::fnv1a64(bytes.substr(format::kChecksumFrom));
  if (actual != h.checksum)
    return invalid_model(source + ": engine checksum mismatch (stored " + std::to_string(h.checksum) +
                         ", computed " + std::to_string(actual) + "): the file is corrupted");
  return h;
}

Result<runtime::Plan> deserialize_plan(std::string_view bytes, const std::string& source) {
  ASSIGN_OR_RETURN(EngineHeader header, read_header(bytes, source));
  runtime::Plan plan;
  plan.backend = header.backend;

  // Walk the sections in their fixed order.
  std::map<uint32_t, SectionView> sections;
  {
    ByteReader r(bytes, kHeaderSize, bytes.size(), source);
    const uint32_t order[] = {format::kSectionTarget, format::kSectionMeta, format::kSectionGraph,
                              format::kSectionLayers, format::kSectionScales, format::kSectionWeights};
    for (uint32_t expected : order) {
      ASSIGN_OR_RETURN(uint32_t tag, r.get<uint32_t>("section tag"));
      if (tag != expected)
        return r.error("section tag " + std::to_string(tag) + ", expected " + std::to_string(expected));
      ASSIGN_OR_RETURN(uint32_t reserved, r.get<uint32_t>("section reserved"));
      (void)reserved;
      ASSIGN_OR_RETURN(uint64_t length, r.get<uint64_t>("section length"));
      const size_t begin = r.position();
      ASSIGN_OR_RETURN(std::string_view body, r.get_bytes(length, "section body"));
      (void)body;
      sections[tag] = {begin, begin + length};
      const size_t pad = (8 - r.position() % 8) % 8;
      ASSIGN_OR_RETURN(std::string_view padding, r.get_bytes(std::min(pad, r.remaining()), "padding"));
      (void)padding;
    }
  }
  auto reader = [&](uint32_t tag, const char* name) {
    return ByteReader(bytes, sections[tag].begin, sections[tag].end,
                      source + " (" + std::string(name) + " section)");
  };

  {
    ByteReader r = reader(format::kSectionTarget, "target");
    ASSIGN_OR_RETURN(plan.target, r.get_string("target"));
  }
  {
    ByteReader r = reader(format::kSectionMeta, "meta");
    ASSIGN_OR_RETURN(uint32_t n, r.get<uint32_t>("metadata count"));
    for (uint32_t i = 0; i < n; ++i) {
      ASSIGN_OR_RETURN(std::string k, r.get_string("metadata key"));
      ASSIGN_OR_RETURN(std::string v, r.get_string("metadata value"));
      plan.metadata[k] = v;
    }
  }
  {
    ByteReader r = reader(format::kSectionGraph, "graph");
    auto g = std::make_unique<ir::Graph>();
    ASSIGN_OR_RETURN(std::string name, r.get_string("graph name"));
    g->set_name(name);
    ASSIGN_OR_RETURN(int64_t opset, r.get<int64_t>("opset"));
    g->set_opset(opset);
    ASSIGN_OR_RETURN(uint32_t nvalues, r.get<uint32_t>("value count"));
    std::vector<ir::Value*> values;
    for (uint32_t i = 0; i < nvalues; ++i) {
      ASSIGN_OR_RETURN(std::string vname, r.get_string("value name"));
      if (g->find_value(vname)) return r.error("duplicate value name '" + vname + "'");
      ir::Value* v = g->add_value(vname);
      ASSIGN_OR_RETURN(int32_t dtype_raw, r.get<int32_t>("value dtype"));
      auto dtype = dtype_from_onnx(dtype_raw);
      if (!dtype) return r.error("value '" + vname + "' has unknown dtype " + std::to_string(dtype_raw));
      v->set_dtype(*dtype);
      ASSIGN_OR_RETURN(auto shape_and_bytes, get_shape(r, *dtype, "value '" + vname + "'"));
      const auto& [shape, shape_bytes] = shape_and_bytes;
      v->set_shape(shape);
      ASSIGN_OR_RETURN(uint8_t is_const, r.get<uint8_t>("constant flag"));
      ASSIGN_OR_RETURN(uint64_t offset, r.get<uint64_t>("weight offset"));
      ASSIGN_OR_RETURN(uint64_t nbytes, r.get<uint64_t>("weight size"));
      if (is_const) {
        const auto& ws = sections[format::kSectionWeights];
        if (offset < ws.begin || offset > ws.end || nbytes > ws.end - offset)
          return r.error("weights of '" + vname + "' at " + std::to_string(offset) + " (+" +
                         std::to_string(nbytes) + ") lie outside the weights section");
        if (nbytes != shape_bytes)
          return r.error("weights of '" + vname + "' have " + std::to_string(nbytes) +
                         " bytes, the shape needs " + std::to_string(shape_bytes));
        ASSIGN_OR_RETURN(Tensor t, limits::allocate_tensor(*dtype, shape, "weights of '" + vname + "'"));
        if (nbytes) std::memcpy(t.raw_data(), bytes.data() + offset, nbytes);
        v->set_constant(std::move(t));
      }
      values.push_back(v);
    }
    auto value_at = [&](int64_t i, const char* what) -> Result<ir::Value*> {
      if (i < 0 || i >= static_cast<int64_t>(values.size()))
        return r.error(std::string(what) + " index " + std::to_string(i) + " out of range");
      return values[static_cast<size_t>(i)];
    };
    ASSIGN_OR_RETURN(uint32_t ninputs, r.get<uint32_t>("input count"));
    for (uint32_t i = 0; i < ninputs; ++i) {
      ASSIGN_OR_RETURN(uint32_t idx, r.get<uint32_t>("input index"));
      ASSIGN_OR_RETURN(ir::Value* v, value_at(idx, "graph input"));
      g->inputs().push_back(v);
    }
    ASSIGN_OR_RETURN(uint32_t noutputs, r.get<uint32_t>("output count"));
    for (uint32_t i = 0; i < noutputs; ++i) {
      ASSIGN_OR_RETURN(uint32_t idx, r.get<uint32_t>("output index"));
      ASSIGN_OR_RETURN(ir::Value* v, value_at(idx, "graph output"));
      g->outputs().push_back(v);
    }
    ASSIGN_OR_RETURN(uint32_t nnodes, r.get<uint32_t>("node count"));
    for (uint32_t i = 0; i < nnodes; ++i) {
      ASSIGN_OR_RETURN(std::string nname, r.get_string("node name"));
      ASSIGN_OR_RETURN(std::string op, r.get_string("node op type"));
      ASSIGN_OR_RETURN(std::string domain, r.get_string("node domain"));
      std::vector<ir::Value*> ins, outs;
      ASSIGN_OR_RETURN(uint32_t nin, r.get<uint32_t>("node input count"));
      for (uint32_t k = 0; k < nin; ++k) {
        ASSIGN_OR_RETURN(int32_t idx, r.get<int32_t>("node input"));
        if (idx < 0) {
          ins.push_back(nullptr);
        } else {
          ASSIGN_OR_RETURN(ir::Value* v, value_at(idx, "node input"));
          ins.push_back(v);
        }
      }
      ASSIGN_OR_RETURN(uint32_t nout, r.get<uint32_t>("node output count"));
      for (uint32_t k = 0; k < nout; ++k) {
        ASSIGN_OR_RETURN(int32_t idx, r.get<int32_t>("node output"));
        if (idx < 0) {
          outs.push_back(nullptr);
        } else {
          ASSIGN_OR_RETURN(ir::Value* v, value_at(idx, "node output"));
          outs.push_back(v);
        }
      }
      ir::Node* n = g->add_node(nname, op, ins, outs, domain);
      ASSIGN_OR_RETURN(uint32_t nattr, r.get<uint32_t>("attribute count"));
      for (uint32_t k = 0; k < nattr; ++k) {
        ASSIGN_OR_RETURN(std::string aname, r.get_string("attribute name"));
        ASSIGN_OR_RETURN(ir::Attribute a, get_attribute(r));
        n->set_attribute(aname, std::move(a));
      }
    }
    plan.graph = std::move(g);
  }
  {
    ByteReader r = reader(format::kSectionLayers, "layers");
    ASSIGN_OR_RETURN(uint32_t n, r.get<uint32_t>("layer count"));
    for (uint32_t i = 0; i < n; ++i) {
      ASSIGN_OR_RETURN(std::string node, r.get_string("layer node"));
      ASSIGN_OR_RETURN(std::string kernel, r.get_string("layer kernel"));
      ASSIGN_OR_RETURN(uint32_t precision, r.get<uint32_t>("layer precision"));
      if (precision > static_cast<uint32_t>(Precision::kInt8))
        return r.error("layer '" + node + "' has unknown precision " + std::to_string(precision));
      plan.layers[node] = {kernel, static_cast<Precision>(precision)};
    }
  }
  {
    ByteReader r = reader(format::kSectionScales, "scales");
    ASSIGN_OR_RETURN(uint32_t n, r.get<uint32_t>("scale count"));
    for (uint32_t i = 0; i < n; ++i) {
      ASSIGN_OR_RETURN(std::string name, r.get_string("scale tensor"));
      ASSIGN_OR_RETURN(float s, r.get<float>("scale value"));
      plan.int8_scales[name] = s;
    }
  }
  return plan;
}

}  // namespace actrt::engine
