#include "quant/precision_planner.h"

#include <set>

#include "actrt/log.h"
#include "ops/op_registry.h"
#include "quant/input_convs.h"

namespace actrt::quant {

namespace {

bool needs_scale(const ir::Value* v) {
  return v && !v->is_constant() && is_floating(v->dtype());
}

Precision float_precision(const ir::Node& n, const ops::OpSchema* schema, const BuilderConfig& c) {
  if (n.domain().empty() && n.op_type() == "LayerNormalization") return Precision::kFp32;
  if (c.fp16) return Precision::kFp16;
  if (c.tf32 && schema && schema->quant == ops::QuantPolicy::kInt8Kernel) return Precision::kTf32;
  return Precision::kFp32;
}

}  // namespace

PrecisionPlan plan_precisions(const ir::Graph& graph, const std::map<std::string, float>& scales,
                              const BuilderConfig& config) {
  PrecisionPlan plan;
  std::set<std::string> reported;
  const std::set<std::string> first_convs = input_convs(graph);
  std::vector<std::string> kept_float;
  auto has_scale = [&](const ir::Value* v) {
    auto it = scales.find(v->name());
    return it != scales.end() && it->second > 0;
  };
  for (const auto& node : graph.nodes()) {
    const ops::OpSchema* schema = ops::find_op(node->domain(), node->op_type());
    Precision p;
    if (auto it = config.layer_precisions.find(node->name()); it != config.layer_precisions.end()) {
      p = it->second;
    } else if (node->domain().empty() &&
               (node->op_type() == "QuantizeLinear" || node->op_type() == "DequantizeLinear")) {
      // Explicit quantization: the model carries its scales; these run as INT8 boundaries.
      p = Precision::kInt8;
    } else if (config.int8 && first_convs.count(node->name())) {
      // The first convolution on an image stays floating point (input_convs.h says why).
      p = float_precision(*node, schema, config);
      kept_float.push_back(node->name());
    } else if (config.int8 && schema && schema->quant == ops::QuantPolicy::kInt8Kernel) {
      bool all_known = true;
      std::vector<const ir::Value*> tensors(node->inputs().begin(), node->inputs().end());
      tensors.insert(tensors.end(), node->outputs().begin(), node->outputs().end());
      for (const ir::Value* v : tensors) {
        if (!needs_scale(v) || has_scale(v)) continue;
        all_known = false;
        if (reported.insert(v->name()).second) {
          plan.missing_scales.push_back(v->name());
          log_warning("Missing scale and zero-point for tensor " + v->name() +
                      ", expect fall back to non-int8 implementation for any layer consuming or "
                      "producing given tensor");
        }
      }
      p = all_known ? Precision::kInt8 : float_precision(*node, schema, config);
    } else {
      p = float_precision(*node, schema, config);
    }
    plan.precisions[node->name()] = p;
    ++plan.counts[p];
  }
  if (!kept_float.empty()) {
    std::string names;
    for (const std::string& n : kept_float) names += (names.empty() ? "" : ", ") + n;
    log_info("INT8: keeping the first convolution on each network input in floating point (the "
             "most INT8-sensitive layers; --layer-precisions NAME:int8 quantizes them): " + names);
  }
  return plan;
}

}  // namespace actrt::quant
