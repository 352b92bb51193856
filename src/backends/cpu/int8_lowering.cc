#include "backends/cpu/int8_lowering.h"

#include <cmath>
#include <unordered_map>

#include "backends/cpu/fused_ops.h"
#include "quant/weight_scales.h"

namespace actrt::cpu {

namespace {

struct QuantizedWeight {
  ir::Value* value = nullptr;
  std::vector<float> scales;
};

// Int8Conv outputs that only Int8Conv nodes read are produced in s8 directly (attribute
// y_scale): readers that quantize it as their input X must agree on one x_scale, which becomes
// y_scale; readers that add it as their residual Z get z_scale = y_scale and add the s8 values
// (oneDNN's sum post-op scaled by z_scale / their own output scale). When only residual readers
// exist, y's calibrated scale is used. An X reader would round the f32 output to the same grid
// anyway; a residual reader now adds the rounded value (TensorRT's INT8 residual semantics),
// which is the one numerical change. Not for graph outputs. In ResNet every block output and
// the first conv of every block stay int8; only the max pool output (f32) is quantized.
int chain_int8_outputs(ir::Graph& graph, const std::map<std::string, float>& scales) {
  const auto uses = graph.build_uses();
  int chained = 0;
  for (const auto& n : graph.nodes()) {
    if (n->domain() != "actrt" || n->op_type() != kInt8Conv) continue;
    const ir::Value* y = n->output(0);
    auto it = uses.find(y);
    if (!y || graph.is_graph_output(y) || it == uses.end() || it->second.empty()) continue;
    float scale = 0;
    bool ok = true;
    std::vector<ir::Node*> residual_readers;
    for (ir::Node* r : it->second) {
      if (r->domain() != "actrt" || r->op_type() != kInt8Conv || (r->input(0) == y) == (r->input(3) == y)) {
        ok = false;  // not an Int8Conv, or it reads y as both X and Z
        break;
      }
      if (r->input(3) == y) {
        residual_readers.push_back(r);
        continue;
      }
      auto s = r->attr_float("x_scale", 0.0f);
      ok &= s.ok() && s.value() > 0.0f && (scale == 0 || s.value() == scale);
      if (s.ok()) scale = s.value();
    }
    if (ok && scale == 0) {
      auto cal = scales.find(y->name());
      if (cal != scales.end() && cal->second > 0.0f && std::isfinite(cal->second)) scale = cal->second;
    }
    if (!ok || !(scale > 0.0f)) continue;
    n->set_attribute("y_scale", ir::Attribute::from_float(scale));
    for (ir::Node* r : residual_readers) r->set_attribute("z_scale", ir::Attribute::from_float(scale));
    ++chained;
  }
  return chained;
}

}  // namespace

Result<Int8Lowering> lower_int8(ir::Graph& graph,
                                const std::function<bool(const ir::Node&)>& wants_int8,
                                const std::map<std::string, float>& scales) {
  Int8Lowering out;
  // One int8 copy per (f32 weight, axis): convs sharing a weight share the quantized one.
  std::map<std::pair<const ir::Value*, int64_t>, QuantizedWeight> quantized;
  std::vector<ir::Node*> nodes;
  for (const auto& n : graph.nodes()) nodes.push_back(n.get());
  for (ir::Node* n : nodes) {
    if (n->domain() != "actrt") continue;
    const bool conv = n->op_type() == kFusedConv;
    if (!conv && n->op_type() != kFusedMatMul) continue;
    if (!wants_int8(*n)) continue;
    const ir::Value* x = n->input(0);
    ir::Value* w = n->input(1);
    if (!x || x->is_constant() || !w || !w->is_constant() ||
        w->constant().dtype() != DataType::kFloat32)
      continue;
    auto it = scales.find(x->name());
    if (it == scales.end() || !(it->second > 0.0f) || !std::isfinite(it->second)) {
      out.no_scale.push_back(n->name());
      continue;
    }
    int64_t axis = 0;  // output channels: Conv [M, C/g, kh, kw], Gemm B^T [N, K]
    if (!conv) {
      auto trans_b = n->attr_int("trans_b", 0);
      if (!trans_b.ok()) return trans_b.status();
      axis = trans_b.value() ? 0 : 1;  // MatMul B [K, N]
    }
    QuantizedWeight& qw = quantized[{w, axis}];
    if (!qw.value) {
      auto s = quant::per_channel_weight_scales(w->constant(), axis);
      if (!s.ok()) return s.status().with_context(n->describe() + ": weight '" + w->name() + "'");
      auto q = quant::quantize_per_channel(w->constant(), axis, s.value());
      if (!q.ok()) return q.status().with_context(n->describe() + ": weight '" + w->name() + "'");
      qw.value = graph.add_constant(w->name() + "_int8", std::move(q).value());
      qw.scales = std::move(s).value();
    }
    n->inputs()[1] = qw.value;
    n->set_op_type(conv ? kInt8Conv : kInt8MatMul);
    n->set_attribute("x_scale", ir::Attribute::from_float(it->second));
    n->set_attribute("w_scales", ir::Attribute::from_floats(qw.scales));
    ++(conv ? out.conv : out.matmul);
  }
  // f32 weights that only INT8 nodes read are dropped, so an engine stores each weight once.
  graph.compact();
  out.chained = chain_int8_outputs(graph, scales);
  return out;
}

}  // namespace actrt::cpu
