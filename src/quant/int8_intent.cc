#include "quant/int8_intent.h"

namespace actrt::quant {

bool Int8Intent::operator()(const ir::Node& node) const {
  if (overrides)
    if (auto it = overrides->find(node.name()); it != overrides->end())
      return it->second == Precision::kInt8;
  if (auto it = planned.find(node.name()); it != planned.end() && it->second == Precision::kInt8)
    return true;
  const ir::Value* x = node.input(0);
  if (!x) return false;
  std::string name = x->name();
  if (value_origin)
    if (auto it = value_origin->find(name); it != value_origin->end()) name = it->second;
  return qdq_scales.count(name) > 0;
}

}  // namespace actrt::quant
