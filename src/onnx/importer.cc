#include "onnx/importer.h"

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <onnx/onnx_pb.h>

#include <climits>
#include <filesystem>
#include <fstream>
#include <set>
#include <unordered_map>

#include "core/file_io.h"
#include "core/limits.h"
#include "onnx/tensor_proto.h"

namespace actrt::onnx_import {

namespace fs = std::filesystem;

Result<std::map<std::string, Shape>> parse_shapes_option(std::string_view text) {
  std::map<std::string, Shape> shapes;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(',', pos);  // entries are comma-separated; dims use 'x'
    if (end == std::string_view::npos) end = text.size();
    std::string_view entry = text.substr(pos, end - pos);
    const size_t colon = entry.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
      return invalid_argument("--shapes entry '" + std::string(entry) +
                              "' is not NAME:DIMS (e.g. image:1x3x3x480x640)");
    ASSIGN_OR_RETURN(Shape shape, parse_shape(entry.substr(colon + 1)));
    const std::string name(entry.substr(0, colon));
    // Checked here, before any tensor of this shape exists (at 8 bytes, the widest element).
    const Status fits = limits::check_shape(shape, DataType::kInt64, "--shapes " + name);
    if (!fits.ok()) return invalid_argument(fits.message());
    shapes[name] = shape;
    pos = end + 1;
  }
  return shapes;
}

namespace {

// protobuf parses at most 2 GiB; larger weights belong in external data files.
constexpr uint64_t kMaxOnnxFileBytes = INT_MAX;

Result<std::string> read_whole_file(const std::string& path) {
  RETURN_IF_ERROR(check_regular_file(path, "an ONNX model"));
  return read_file_text(path, kMaxOnnxFileBytes);
}

Result<ir::Attribute> convert_attribute(const onnx::AttributeProto& a, const TensorContext& tctx) {
  ir::Attribute out;
  auto kind = static_cast<ir::AttrKind>(a.type());
  // Models from old exporters may leave `type` unset; infer it from the populated field.
  if (kind == ir::AttrKind::kUndefined) {
    if (a.has_f()) kind = ir::AttrKind::kFloat;
    else if (a.has_i()) kind = ir::AttrKind::kInt;
    else if (a.has_s()) kind = ir::AttrKind::kString;
    else if (a.has_t()) kind = ir::AttrKind::kTensor;
    else if (a.has_g()) kind = ir::AttrKind::kGraph;
    else if (a.floats_size()) kind = ir::AttrKind::kFloats;
    else if (a.ints_size()) kind = ir::AttrKind::kInts;
    else if (a.strings_size()) kind = ir::AttrKind::kStrings;
    else if (a.tensors_size()) kind = ir::AttrKind::kTensors;
    else if (a.graphs_size()) kind = ir::AttrKind::kGraphs;
  }
  out.kind = kind;
  switch (kind) {
    case ir::AttrKind::kFloat: out.f = a.f(); break;
    case ir::AttrKind::kInt: out.i = a.i(); break;
    case ir::AttrKind::kString: out.s = a.s(); break;
    case ir::AttrKind::kFloats: out.floats.assign(a.floats().begin(), a.floats().end()); break;
    case ir::AttrKind::kInts: out.ints.assign(a.ints().begin(), a.ints().end()); break;
    case ir::AttrKind::kStrings: out.strings.assign(a.strings().begin(), a.strings().end()); break;
    case ir::AttrKind::kTensor: {
      auto t = tensor_from_proto(a.t(), tctx.with_name("attribute '" + a.name() + "'"));
      if (!t.ok()) return t.status();
      out.t = std::move(t).value();
      break;
    }
    case ir::AttrKind::kTensors:
      for (const auto& tp : a.tensors()) {
        auto t = tensor_from_proto(tp, tctx.with_name("attribute '" + a.name() + "'"));
        if (!t.ok()) return t.status();
        out.tensors.push_back(std::move(t).value());
      }
      break;
    // No supported op reads these; keep them as opaque bytes so that the model imports and the
    // owning op is reported as unsupported with everything else.
    case ir::AttrKind::kGraph: out.opaque.push_back(a.g().SerializeAsString()); break;
    case ir::AttrKind::kGraphs:
      for (const auto& g : a.graphs()) out.opaque.push_back(g.SerializeAsString());
      break;
    case ir::AttrKind::kSparseTensor: out.opaque.push_back(a.sparse_tensor().SerializeAsString()); break;
    case ir::AttrKind::kSparseTensors:
      for (const auto& s : a.sparse_tensors()) out.opaque.push_back(s.SerializeAsString());
      break;
    case ir::AttrKind::kTypeProto: out.opaque.push_back(a.tp().SerializeAsString()); break;
    case ir::AttrKind::kTypeProtos:
      for (const auto& t : a.type_protos()) out.opaque.push_back(t.SerializeAsString());
      break;
    case ir::AttrKind::kUndefined:
      return invalid_model("attribute '" + a.name() + "' has no type and no value");
  }
  return out;
}

// Declares a graph input from its ValueInfo, applying --shapes overrides.
Status declare_input(ir::Value* v, const onnx::ValueInfoProto& info, const std::string& source,
                     const std::map<std::string, Shape>& overrides) {
  if (!info.type().has_tensor_type())
    return unsupported(source + ": input '" + info.name() +
                       "' is not a tensor (sequences, maps and optionals are not supported)");
  const auto& tt = info.type().tensor_type();
  auto dtype = dtype_from_onnx(tt.elem_type());
  if (!dtype)
    return unsupported(source + ": input '" + info.name() + "' has element type " +
                       std::string(onnx_dtype_name(tt.elem_type())) +
                       ", supported: f32, f16, bf16, i8, u8, i32, i64, bool");
  v->set_dtype(*dtype);
  auto it = overrides.find(info.name());
  if (!tt.has_shape()) {
    if (it == overrides.end()) return ok_status();  // infer_shapes reports it, naming the input
    v->set_shape(it->second);
    return ok_status();
  }
  Shape shape;
  std::vector<std::string> params;
  bool symbolic = false;
  if (tt.shape().dim_size() > limits::kMaxRank)
    return invalid_model(fmt::format("{}: input '{}' has rank {}, above actrt's limit of {}", source,
                                     info.name(), tt.shape().dim_size(), limits::kMaxRank));
  for (const auto& d : tt.shape().dim()) {
    if (d.has_dim_value() && d.dim_value() >= 0) {
      shape.push_back(d.dim_value());
      params.emplace_back();
    } else {
      shape.push_back(-1);
      params.push_back(d.has_dim_param() ? d.dim_param() : "?");
      symbolic = true;
    }
  }
  v->set_dim_params(params);
  if (it != overrides.end()) {
    const Shape& given = it->second;
    if (given.size() != shape.size())
      return invalid_argument(
          fmt::format("{}: --shapes gives input '{}' rank {} ({}) but the model declares rank {}",
                      source, info.name(), given.size(), shape_to_string(given), shape.size()));
    for (size_t i = 0; i < shape.size(); ++i)
      if (shape[i] >= 0 && shape[i] != given[i])
        return invalid_argument(fmt::format(
            "{}: --shapes gives input '{}' dimension {} = {}, but the model fixes it to {}", source,
            info.name(), i, given[i], shape[i]));
    v->set_shape(given);
    return ok_status();
  }
  if (symbolic) return ok_status();
  RETURN_IF_ERROR(limits::check_shape(shape, *dtype, source + ": input '" + info.name() + "'"));
  v->set_shape(shape);
  return ok_status();
}

}  // namespace

Result<std::unique_ptr<ir::Graph>> import_bytes(std::string_view bytes, const std::string& source,
                                                const std::string& base_dir,
                                                const ImportOptions& options) {
  onnx::ModelProto model;
  {
    google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t*>(bytes.data()),
                                                  static_cast<int>(bytes.size()));
    stream.SetTotalBytesLimit(INT_MAX);
    if (!model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage())
      return invalid_model(
          fmt::format("{}: not a valid ONNX model (protobuf parsing failed after {} of {} bytes: "
                      "truncated or not a ModelProto)",
                      source, stream.CurrentPosition(), bytes.size()));
  }
  if (!model.has_graph())
    return invalid_model(source + ": the ModelProto has no graph (is this an ONNX model?)");
  if (model.ir_version() < kMinIrVersion || model.ir_version() > kMaxIrVersion)
    return version_mismatch(
        fmt::format("{}: ONNX IR version {} is not supported (supported: {} to {})", source,
                    model.ir_version(), kMinIrVersion, kMaxIrVersion));
  // At most one default-domain opset import, and one whenever a node is in the default domain:
  // the ops' meanings depend on it, so neither a guess (none) nor a choice between two is safe.
  // A model whose nodes are all in other domains (ONNX's training test models) needs none.
  int64_t opset = -1;
  int default_imports = 0;
  for (const auto& o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") {
      opset = o.version();
      ++default_imports;
    }
  if (default_imports == 0) {
    for (const auto& n : model.graph().node())
      if (n.domain().empty() || n.domain() == "ai.onnx")
        return invalid_model(source + ": node " + n.op_type() + " '" + n.name() +
                             "' is in the default domain, but the model imports no default-domain "
                             "(ai.onnx) opset (re-export with opset_version=17)");
    opset = kMaxOpset;  // no default-domain op: the opset is irrelevant
  }
  if (default_imports > 1)
    return invalid_model(fmt::format("{}: the model imports the default-domain (ai.onnx) opset {} "
                                     "times; ONNX allows one",
                                     source, default_imports));
  if (opset < kMinOpset || opset > kMaxOpset)
    return version_mismatch(
        fmt::format("{}: default-domain opset {} is not supported (supported: {} to {}; re-export "
                    "with opset_version=17)",
                    source, opset, kMinOpset, kMaxOpset));

  const onnx::GraphProto& gp = model.graph();
  auto graph = std::make_unique<ir::Graph>();
  graph->set_name(gp.name());
  graph->set_opset(opset);
  const TensorContext tctx{source, base_dir, ""};

  // Initializers first: they are constants, and an input that has one is a constant too.
  std::set<std::string> initializer_names;
  for (const auto& tp : gp.initializer()) {
    if (graph->find_value(tp.name()))
      return invalid_model(source + ": initializer '" + tp.name() + "' is defined twice");
    auto t = tensor_from_proto(tp, tctx.with_name("initializer '" + tp.name() + "'"));
    if (!t.ok()) return t.status();
    graph->add_value(tp.name())->set_constant(std::move(t).value());
    initializer_names.insert(tp.name());
  }
  if (gp.sparse_initializer_size() > 0)
    return unsupported(source + ": sparse initializers are not supported ('" +
                       gp.sparse_initializer(0).values().name() + "')");

  std::set<std::string> declared_inputs;
  for (const auto& in : gp.input()) {
    declared_inputs.insert(in.name());
    if (initializer_names.count(in.name())) continue;  // IR < 4 style: weights listed as inputs
    if (graph->find_value(in.name()))
      return invalid_model(source + ": input '" + in.name() + "' is declared twice");
    ir::Value* v = graph->add_value(in.name());
    RETURN_IF_ERROR(declare_input(v, in, source, options.input_shapes));
    graph->inputs().push_back(v);
  }
  for (const auto& [name, shape] : options.input_shapes) {
    if (!declared_inputs.count(name) || initializer_names.count(name)) {
      std::string names;
      for (const ir::Value* v : graph->inputs()) names += (names.empty() ? "" : ", ") + v->name();
      return invalid_argument(source + ": --shapes names '" + name +
                              "', which is not an input of the model (inputs: " + names + ")");
    }
  }

  // Node outputs: every value has exactly one producer.
  std::vector<std::string> node_names;
  for (int i = 0; i < gp.node_size(); ++i) {
    const auto& np = gp.node(i);
    std::string name = np.name().empty() ? np.op_type() + "_" + std::to_string(i) : np.name();
    node_names.push_back(name);
    for (const auto& out : np.output()) {
      if (out.empty()) continue;
      if (graph->find_value(out))
        return invalid_model(source + ": value '" + out + "' is produced by node '" + name +
                             "' but is already defined (by another node, an input or an "
                             "initializer); ONNX graphs are SSA");
      graph->add_value(out);
    }
  }
  for (int i = 0; i < gp.node_size(); ++i) {
    const auto& np = gp.node(i);
    std::vector<ir::Value*> ins, outs;
    for (const auto& in : np.input()) {
      if (in.empty()) {
        ins.push_back(nullptr);
        continue;
      }
      ir::Value* v = graph->find_value(in);
      if (!v)
        return invalid_model(source + ": node " + np.op_type() + " '" + node_names[i] +
                             "' reads '" + in +
                             "', which no node, graph input or initializer defines (missing "
                             "initializer?)");
      ins.push_back(v);
    }
    for (const auto& out : np.output()) outs.push_back(out.empty() ? nullptr : graph->find_value(out));
    std::string domain = np.domain() == "ai.onnx" ? "" : np.domain();
    ir::Node* node = graph->add_node(node_names[i], np.op_type(), ins, outs, domain);
    for (const auto& ap : np.attribute()) {
      auto a = convert_attribute(ap, tctx);
      if (!a.ok()) return a.status().with_context(source + ": " + node->describe());
      node->set_attribute(ap.name(), std::move(a).value());
    }
  }
  for (const auto& out : gp.output()) {
    ir::Value* v = graph->find_value(out.name());
    if (!v)
      return invalid_model(source + ": graph output '" + out.name() + "' is not produced by any node");
    graph->outputs().push_back(v);
  }
  if (graph->outputs().empty()) return invalid_model(source + ": the graph has no outputs");
  return graph;
}

Result<std::unique_ptr<ir::Graph>> import_file(const std::string& path,
                                               const ImportOptions& options) {
  ASSIGN_OR_RETURN(std::string bytes, read_whole_file(path));
  const std::string base_dir = fs::path(path).parent_path().string();
  return import_bytes(bytes, path, base_dir.empty() ? "." : base_dir, options);
}

Result<Tensor> read_tensor_file(const std::string& path, std::string* name) {
  ASSIGN_OR_RETURN(std::string bytes, read_whole_file(path));
  onnx::TensorProto tp;
  if (!tp.ParseFromString(bytes))
    return invalid_model(path + ": not a serialized ONNX TensorProto");
  if (name) *name = tp.name();
  return tensor_from_proto(tp, TensorContext{path, fs::path(path).parent_path().string(), "tensor"});
}

}  // namespace actrt::onnx_import
