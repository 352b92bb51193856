#include "onnx/qdq_exporter.h"

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_map>

#include "core/file_io.h"
#include "onnx/tensor_proto.h"
#include "quant/weight_scales.h"

namespace actrt::onnx_export {

namespace {

namespace fs = std::filesystem;

class Names {
 public:
  explicit Names(const onnx::GraphProto& g) {
    for (const auto& v : g.input()) used_.insert(v.name());
    for (const auto& v : g.output()) used_.insert(v.name());
    for (const auto& v : g.initializer()) used_.insert(v.name());
    for (const auto& v : g.value_info()) used_.insert(v.name());
    for (const auto& n : g.node()) {
      used_.insert(n.name());
      for (const auto& o : n.output()) used_.insert(o);
    }
  }
  std::string make(const std::string& hint) {
    std::string name = hint;
    for (int i = 1; used_.count(name); ++i) name = hint + "_" + std::to_string(i);
    used_.insert(name);
    return name;
  }

 private:
  std::set<std::string> used_;
};

onnx::TensorProto scalar_f32(const std::string& name, float v) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  t.add_float_data(v);
  return t;
}

onnx::TensorProto zeros_i8(const std::string& name, int64_t n, bool scalar) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::INT8);
  if (!scalar) t.add_dims(n);
  // int8 values travel in int32_data (ONNX's rule for small integer types).
  for (int64_t i = 0; i < n; ++i) t.add_int32_data(0);
  return t;
}

bool is_default_domain(const onnx::NodeProto& n) {
  return n.domain().empty() || n.domain() == "ai.onnx";
}

int64_t attr_int(const onnx::NodeProto& n, const std::string& name, int64_t dflt) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return a.i();
  return dflt;
}

}  // namespace

Result<QdqExportStats> write_qdq_model(const std::string& model_path,
                                       const std::map<std::string, float>& scales,
                                       const std::string& out_path,
                                       const QdqExportOptions& options) {
  std::error_code ec;
  RETURN_IF_ERROR(check_writable(out_path, options.force));
  if (fs::weakly_canonical(model_path, ec) == fs::weakly_canonical(out_path, ec))
    return invalid_argument("refusing to write the Q/DQ model over its source '" + model_path + "'");

  ASSIGN_OR_RETURN(const std::string bytes, read_file_text(model_path));
  onnx::ModelProto model;
  {
    google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t*>(bytes.data()),
                                                  static_cast<int>(bytes.size()));
    stream.SetTotalBytesLimit(INT_MAX);
    if (!model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage())
      return invalid_model(model_path + ": not a valid ONNX model");
  }
  int64_t opset = -1;
  for (const auto& o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") opset = o.version();
  if (opset < 13)
    return unsupported(
        fmt::format("{}: opset {} is too old for per-channel Q/DQ (DequantizeLinear axis needs "
                    "opset >= 13); re-export the model with opset 13 or newer",
                    model_path, opset));

  onnx::GraphProto* g = model.mutable_graph();
  const std::string base_dir = fs::path(model_path).parent_path().string();
  const onnx_import::TensorContext ctx{model_path, base_dir, ""};
  // Inline external data: the new file may live elsewhere, and weights are rewritten anyway.
  std::unordered_map<std::string, int> init_index;
  for (int i = 0; i < g->initializer_size(); ++i) {
    onnx::TensorProto* t = g->mutable_initializer(i);
    init_index[t->name()] = i;
    if (t->data_location() == onnx::TensorProto::EXTERNAL) {
      ASSIGN_OR_RETURN(Tensor data, onnx_import::tensor_from_proto(
                                        *t, ctx.with_name("initializer '" + t->name() + "'")));
      *t = onnx_import::tensor_to_proto(data, t->name());
    }
  }

  Names names(*g);
  QdqExportStats stats;
  std::unordered_map<std::string, std::string> act_dq;     // tensor -> dequantized name
  std::unordered_map<std::string, std::string> weight_dq;  // "w|axis" -> dequantized name
  std::vector<onnx::TensorProto> new_inits;
  google::protobuf::RepeatedPtrField<onnx::NodeProto> new_nodes;

  auto quantize_activation = [&](const std::string& t) -> std::string {
    if (auto it = act_dq.find(t); it != act_dq.end()) return it->second;
    const std::string s = names.make(t + "_scale"), zp = names.make(t + "_zero_point");
    const std::string q = names.make(t + "_quantized"), dq = names.make(t + "_dequantized");
    new_inits.push_back(scalar_f32(s, scales.at(t)));
    new_inits.push_back(zeros_i8(zp, 1, /*scalar=*/true));
    onnx::NodeProto* qn = new_nodes.Add();
    qn->set_op_type("QuantizeLinear");
    qn->set_name(names.make(t + "_QuantizeLinear"));
    qn->add_input(t), qn->add_input(s), qn->add_input(zp), qn->add_output(q);
    onnx::NodeProto* dn = new_nodes.Add();
    dn->set_op_type("DequantizeLinear");
    dn->set_name(names.make(t + "_DequantizeLinear"));
    dn->add_input(q), dn->add_input(s), dn->add_input(zp), dn->add_output(dq);
    ++stats.activations;
    return act_dq[t] = dq;
  };

  auto quantize_weight = [&](const onnx::TensorProto& w, int64_t axis) -> Result<std::string> {
    const std::string key = w.name() + "|" + std::to_string(axis);
    if (auto it = weight_dq.find(key); it != weight_dq.end()) return it->second;
    ASSIGN_OR_RETURN(Tensor data, onnx_import::tensor_from_proto(
                                      w, ctx.with_name("initializer '" + w.name() + "'")));
    ASSIGN_OR_RETURN(std::vector<float> ws, quant::per_channel_weight_scales(data, axis));
    ASSIGN_OR_RETURN(Tensor q, quant::quantize_per_channel(data, axis, ws));
    const std::string qn = names.make(w.name() + "_quantized"), s = names.make(w.name() + "_scale");
    const std::string zp = names.make(w.name() + "_zero_point");
    const std::string dq = names.make(w.name() + "_dequantized");
    new_inits.push_back(onnx_import::tensor_to_proto(q, qn));
    onnx::TensorProto st;
    st.set_name(s);
    st.set_data_type(onnx::TensorProto::FLOAT);
    st.add_dims(static_cast<int64_t>(ws.size()));
    for (float v : ws) st.add_float_data(v);
    new_inits.push_back(st);
    new_inits.push_back(zeros_i8(zp, static_cast<int64_t>(ws.size()), /*scalar=*/false));
    onnx::NodeProto* dn = new_nodes.Add();
    dn->set_op_type("DequantizeLinear");
    dn->set_name(names.make(w.name() + "_DequantizeLinear"));
    dn->add_input(qn), dn->add_input(s), dn->add_input(zp), dn->add_output(dq);
    auto* a = dn->add_attribute();
    a->set_name("axis");
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(axis);
    ++stats.weights;
    return weight_dq[key] = dq;
  };

  for (const onnx::NodeProto& node : g->node()) {
    onnx::NodeProto copy = node;
    const std::string& op = node.op_type();
    const bool target = is_default_domain(node) && (op == "Conv" || op == "MatMul" || op == "Gemm") &&
                        !options.keep_float.count(node.name());
    // A product of two activations (attention's Q x K^T and softmax x V) has no weight: it stays
    // floating point, as in actrt's INT8 engines (fused FP32 attention). Quantizing its inputs
    // made the model's own semantics useless: entropy calibration clips softmax probabilities
    // (act-tiny: amax 0.083 for values up to 1), which ONNX Runtime then faithfully applies.
    const bool has_weight = node.input_size() > 1 && init_index.count(node.input(1)) > 0;
    if (target && !has_weight) {
      stats.kept_float.push_back(op + " '" + node.name() + "'");
    } else if (target) {
      const std::string where = op + " '" + node.name() + "'";
      bool any = false;
      // Inputs 0 and 1 are the product's operands (X/W, A/B); input 2, the bias, stays float.
      for (int k = 0; k < std::min(2, node.input_size()); ++k) {
        const std::string& name = node.input(k);
        if (name.empty()) continue;
        auto init = init_index.find(name);
        if (init != init_index.end()) {
          if (k != 1) continue;  // a constant first operand: leave it
          const onnx::TensorProto& w = g->initializer(init->second);
          if (w.data_type() != onnx::TensorProto::FLOAT || w.dims_size() < 2) {
            stats.skipped.push_back(where + ": weight '" + name + "' is not a float matrix/kernel");
            continue;
          }
          int64_t axis = 0;
          if (op == "MatMul") axis = w.dims_size() - 1;
          else if (op == "Gemm") axis = attr_int(node, "transB", 0) ? 0 : 1;
          ASSIGN_OR_RETURN(std::string dq, quantize_weight(w, axis));
          copy.set_input(k, dq);
          any = true;
          continue;
        }
        auto s = scales.find(name);
        if (s == scales.end() || !(s->second > 0)) {
          stats.skipped.push_back(where + ": activation '" + name + "' " +
                                  (s == scales.end() ? "has no scale" : "had only zeros in calibration (scale 0)"));
          continue;
        }
        copy.set_input(k, quantize_activation(name));
        any = true;
      }
      stats.quantized_nodes += any;
    }
    *new_nodes.Add() = std::move(copy);
  }
  g->mutable_node()->Swap(&new_nodes);

  // Drop float initializers that no node or output reads any more.
  std::set<std::string> used;
  for (const auto& n : g->node())
    for (const auto& i : n.input()) used.insert(i);
  for (const auto& o : g->output()) used.insert(o.name());
  std::set<std::string> replaced, dropped;
  for (const auto& [key, dq] : weight_dq) replaced.insert(key.substr(0, key.rfind('|')));
  google::protobuf::RepeatedPtrField<onnx::TensorProto> kept;
  for (auto& t : *g->mutable_initializer()) {
    // Only weights we replaced are dropped; other unused initializers are the model's business.
    if (!used.count(t.name()) && replaced.count(t.name())) dropped.insert(t.name());
    else *kept.Add() = std::move(t);
  }
  for (auto& t : new_inits) *kept.Add() = std::move(t);
  g->mutable_initializer()->Swap(&kept);
  if (!dropped.empty()) {  // IR < 4 models list initializers as graph inputs too
    google::protobuf::RepeatedPtrField<onnx::ValueInfoProto> inputs;
    for (auto& v : *g->mutable_input())
      if (!dropped.count(v.name())) *inputs.Add() = std::move(v);
    g->mutable_input()->Swap(&inputs);
  }
  auto* meta = model.add_metadata_props();
  meta->set_key("actrt.quantization");
  meta->set_value(options.description.empty()
                      ? "Q/DQ inserted by actrt: symmetric int8, per-tensor activations, "
                        "per-channel weights"
                      : options.description);

  std::string out_bytes;
  if (!model.SerializeToString(&out_bytes))
    return internal_error("cannot serialize the Q/DQ model (over 2 GB?)");
  RETURN_IF_ERROR(write_file_atomic(out_path, out_bytes, options.force));
  return stats;
}

}  // namespace actrt::onnx_export
