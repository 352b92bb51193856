#include "backends/cuda/int8_lowering.h"

#include <set>
#include <unordered_map>

#include "backends/cuda/cuda_ops.h"
#include "runtime/plan.h"
#include "quant/weight_scales.h"

namespace actrt::cuda {

bool is_int8_conv(const ir::Node& node) {
  return node.domain() == runtime::kFusedDomain && node.op_type() == kCudaConv && node.input(0) &&
         node.input(0)->dtype() == DataType::kInt8;
}

bool is_int8_matmul(const ir::Node& node) {
  return node.domain() == runtime::kFusedDomain && node.op_type() == kCudaMatMul &&
         node.input(0) && node.input(0)->dtype() == DataType::kInt8;
}

namespace {

class Lowering {
 public:
  Lowering(ir::Graph& g, const std::map<std::string, float>& scales,
           const std::map<std::string, std::string>& origin)
      : g_(g), scales_(scales), origin_(origin) {}

  // The calibrated scale of the tensor `v` holds (0 when there is none).
  float scale_of(const ir::Value* v) const {
    if (!v) return 0;
    std::string name = v->name();
    if (auto it = origin_.find(name); it != origin_.end()) name = it->second;
    auto it = scales_.find(name);
    return it != scales_.end() && it->second > 0 ? it->second : 0;
  }

  // "" when `n` can run INT8, else why not.
  std::string obstacle(const ir::Node& n) const {
    if (n.attr_int("group", 1).value() != 1) return "grouped convolution";
    const ir::Value* x = n.input(0);
    const ir::Value* w = n.input(1);
    const ir::Value* b = n.input(2);
    if (x->dtype() != DataType::kFloat32) return "input is not FP32 before lowering";
    if (!w->is_constant() || w->dtype() != DataType::kFloat32) return "weights are not constant";
    if (!b || !b->is_constant() || b->dtype() != DataType::kFloat32) return "bias is not constant";
    const int64_t c = w->shape()[3], m = w->shape()[0];
    if (c % kInt8ChannelMultiple || m % kInt8ChannelMultiple)
      return std::to_string(c) + " input / " + std::to_string(m) + " output channels (INT8 needs "
             "multiples of " + std::to_string(kInt8ChannelMultiple) + ")";
    if (scale_of(x) <= 0) return "no scale for input '" + x->name() + "'";
    if (n.input(3) && scale_of(n.input(3)) <= 0)
      return "no scale for residual '" + n.input(3)->name() + "'";
    return "";
  }

  // "" when CudaMatMul `n` can run INT8, else why not.
  std::string matmul_obstacle(const ir::Node& n) const {
    const ir::Value* a = n.input(0);
    const ir::Value* w = n.input(1);
    const ir::Value* b = n.inputs().size() > 2 ? n.input(2) : nullptr;
    if (a->dtype() != DataType::kFloat32 || a->is_constant())
      return "input is not a runtime FP32 tensor";
    if (!w->is_constant() || w->dtype() != DataType::kFloat32 || w->shape().size() != 2)
      return "weights are not a constant matrix";
    if (b && (!b->is_constant() || b->shape().size() != 1)) return "adds a matrix, not a bias";
    const bool trans_b = n.attr_int("trans_b", 0).value() != 0;
    const int64_t k = trans_b ? w->shape()[1] : w->shape()[0];
    const int64_t nn = trans_b ? w->shape()[0] : w->shape()[1];
    if (k % kInt8ChannelMultiple || nn % kInt8ChannelMultiple)
      return "K " + std::to_string(k) + " / N " + std::to_string(nn) + " (INT8 needs multiples of " +
             std::to_string(kInt8ChannelMultiple) + ")";
    if (scale_of(a) <= 0) return "no scale for input '" + a->name() + "'";
    return "";
  }

  // An int8 copy of floating-point `v` (one QuantizeLinear per tensor, shared by its readers).
  ir::Value* quantized(ir::Value* v, int& inserted) {
    if (auto it = quantized_.find(v); it != quantized_.end()) return it->second;
    const float s = scale_of(v);
    ir::Value* q = g_.add_value(g_.make_unique_name(v->name() + "/int8"));
    q->set_dtype(DataType::kInt8);
    q->set_shape(v->shape());
    ir::Value* scale = g_.add_constant(v->name() + "/int8_scale",
                                       Tensor::from_vector<float>(DataType::kFloat32, {}, {s}));
    ir::Value* zero = g_.add_constant(v->name() + "/int8_zero_point",
                                      Tensor::from_vector<int8_t>(DataType::kInt8, {}, {0}));
    ir::Node* node = g_.add_node(g_.make_unique_name(v->name() + "/quantize"), "QuantizeLinear",
                                 {v, scale, zero}, {q});
    q->set_producer(node);
    ++inserted;
    quantized_.emplace(v, q);
    return q;
  }

  // The int8 KRSC weights and their per-output-channel scales (shared by nodes reading the
  // same weights).
  Result<std::pair<ir::Value*, std::vector<float>>> int8_weights(const ir::Value* w) {
    if (auto it = weights_.find(w); it != weights_.end()) return it->second;
    ASSIGN_OR_RETURN(std::vector<float> ws, quant::per_channel_weight_scales(w->constant(), 0));
    ASSIGN_OR_RETURN(Tensor q, quant::quantize_per_channel(w->constant(), 0, ws));
    ir::Value* v = g_.add_constant(w->name() + "/int8", std::move(q));
    return weights_.emplace(w, std::make_pair(v, std::move(ws))).first->second;
  }

 private:
  ir::Graph& g_;
  const std::map<std::string, float>& scales_;
  const std::map<std::string, std::string>& origin_;
  std::unordered_map<const ir::Value*, ir::Value*> quantized_;
  std::unordered_map<const ir::Value*, std::pair<ir::Value*, std::vector<float>>> weights_;
};

// [R, C] FP32 -> [C, R].
Tensor transposed(const Tensor& t) {
  const int64_t r = t.shape()[0], c = t.shape()[1];
  Tensor out(DataType::kFloat32, {c, r});
  const float* s = t.data<float>();
  float* d = out.data<float>();
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < c; ++j) d[j * r + i] = s[i * c + j];
  return out;
}

Tensor channel_vector(const std::vector<float>& v) {
  return Tensor::from_vector<float>(DataType::kFloat32, {int64_t(v.size())}, v);
}

}  // namespace

Result<CudaInt8Lowering> lower_int8_layers(ir::Graph& graph, const LayerFilter& wants_int8_conv,
                                           const std::map<std::string, float>& scales,
                                           const std::map<std::string, std::string>& nhwc_origin,
                                           const LayerFilter& wants_int8_matmul) {
  CudaInt8Lowering result;
  Lowering low(graph, scales, nhwc_origin);
  // 1. Which convolutions run INT8.
  std::vector<ir::Node*> int8;
  std::set<const ir::Node*> chosen;
  for (const auto& n : graph.nodes()) {
    if (n->domain() != runtime::kFusedDomain || n->op_type() != kCudaConv || !wants_int8_conv(*n))
      continue;
    const std::string why = low.obstacle(*n);
    if (!why.empty()) {
      result.skipped.push_back(n->name() + ": " + why);
      continue;
    }
    int8.push_back(n.get());
    chosen.insert(n.get());
  }
  // 2. Which of them write int8: every reader is an INT8 convolution (input or residual).
  const auto uses = graph.build_uses();
  std::set<const ir::Node*> chained;
  for (ir::Node* n : int8) {
    const ir::Value* y = n->output(0);
    if (graph.is_graph_output(y) || low.scale_of(y) <= 0) continue;
    auto it = uses.find(y);
    if (it == uses.end() || it->second.empty()) continue;
    bool all = true;
    for (const ir::Node* u : it->second)
      all &= chosen.count(u) && u->input(1) != y && u->input(2) != y;
    if (all) chained.insert(n);
  }
  // 3. Rewrite.
  for (ir::Node* n : int8) {
    ir::Value* x = n->input(0);
    ir::Value* z = n->input(3);
    ir::Value* y = n->output(0);
    const float sx = low.scale_of(x), sz = low.scale_of(z);
    const bool int8_out = chained.count(n) > 0;
    const float sy = int8_out ? low.scale_of(y) : 1.0f;
    ASSIGN_OR_RETURN(auto weights, low.int8_weights(n->input(1)));
    const std::vector<float>& ws = weights.second;
    const int64_t m = int64_t(ws.size());
    const float* bias = n->input(2)->constant().data<float>();
    std::vector<float> s(ws.size()), b(ws.size()), zs(ws.size(), sz / sy);
    for (int64_t k = 0; k < m; ++k) {
      s[k] = sx * ws[k] / sy;
      b[k] = bias[k] / sy;
    }
    auto int8_source = [&](ir::Value* v) {
      const ir::Node* p = v->producer();
      return p && chained.count(p) ? v : low.quantized(v, result.quantize);
    };
    ir::Value* xq = int8_source(x);
    ir::Value* zq = z ? int8_source(z) : nullptr;
    n->inputs() = {xq, weights.first, graph.add_constant(n->name() + "/int8_bias", channel_vector(b)),
                   zq, graph.add_constant(n->name() + "/int8_scale", channel_vector(s)),
                   z ? graph.add_constant(n->name() + "/int8_residual_scale", channel_vector(zs))
                     : nullptr};
    if (int8_out) y->set_dtype(DataType::kInt8);
    // For `actrt inspect`: the scales the node was built from (y_scale 0: floating-point output).
    n->set_attribute("x_scale", ir::Attribute::from_float(sx));
    n->set_attribute("y_scale", ir::Attribute::from_float(int8_out ? sy : 0.0f));
    if (z) n->set_attribute("z_scale", ir::Attribute::from_float(sz));
    ++result.conv;
    result.chained += int8_out;
  }
  // 4. Matrix products (floating-point outputs).
  std::vector<ir::Node*> products;
  for (const auto& n : graph.nodes())
    if (wants_int8_matmul && n->domain() == runtime::kFusedDomain && n->op_type() == kCudaMatMul &&
        wants_int8_matmul(*n))
      products.push_back(n.get());
  for (ir::Node* n : products) {
    const std::string why = low.matmul_obstacle(*n);
    if (!why.empty()) {
      result.skipped.push_back(n->name() + ": " + why);
      continue;
    }
    ir::Value* a = n->input(0);
    const ir::Value* w = n->input(1);
    const ir::Value* b = n->inputs().size() > 2 ? n->input(2) : nullptr;
    const bool trans_b = n->attr_int("trans_b", 0).value() != 0;
    // Weights as [N, K] (one row per output channel: per-channel scales along axis 0, and the
    // TN layout cuBLASLt's int8 kernels want).
    const Tensor wnk = trans_b ? w->constant() : transposed(w->constant());
    ASSIGN_OR_RETURN(std::vector<float> ws, quant::per_channel_weight_scales(wnk, 0));
    ASSIGN_OR_RETURN(Tensor wq, quant::quantize_per_channel(wnk, 0, ws));
    const float sa = low.scale_of(a);
    const float alpha = n->attr_float("alpha", 1.0f).value();
    std::vector<float> s(ws.size()), bias(ws.size(), 0.0f);
    for (size_t k = 0; k < ws.size(); ++k) {
      s[k] = alpha * sa * ws[k];
      if (b) bias[k] = b->constant().data<float>()[k];
    }
    n->inputs() = {low.quantized(a, result.quantize),
                   graph.add_constant(w->name() + "/int8_nk", std::move(wq)),
                   graph.add_constant(n->name() + "/int8_bias", channel_vector(bias)),
                   graph.add_constant(n->name() + "/int8_scale", channel_vector(s))};
    n->set_attribute("trans_b", ir::Attribute::from_int(1));
    n->set_attribute("alpha", ir::Attribute::from_float(1.0f));
    n->set_attribute("x_scale", ir::Attribute::from_float(sa));
    ++result.matmul;
  }
  graph.compact();
  RETURN_IF_ERROR(graph.topological_sort());
  return result;
}

}  // namespace actrt::cuda
