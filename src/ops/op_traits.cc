#include "ops/op_traits.h"

#include "ops/op_registry.h"

namespace actrt::ops {

OpTraits op_traits(std::string_view op_type) {
  const OpSchema* s = find_op("", op_type);
  return s ? s->traits : kNoTraits;
}

bool has_trait(std::string_view op_type, OpTrait trait) { return op_traits(op_type).has(trait); }

bool has_trait(const ir::Node& n, OpTrait trait) {
  return n.domain().empty() && has_trait(n.op_type(), trait);
}

namespace {
// One input aliased by one output: output 0 present and no other output used (Dropout's mask).
bool single_result(const ir::Node& n) {
  if (!n.input(0) || !n.output(0)) return false;
  for (size_t i = 1; i < n.outputs().size(); ++i)
    if (n.output(i)) return false;
  return true;
}
}  // namespace

bool is_view(const ir::Node& n) { return has_trait(n, OpTrait::kView) && single_result(n); }

bool is_reshape(const ir::Node& n) { return has_trait(n, OpTrait::kReshape) && single_result(n); }

bool keeps_values(const ir::Node& n) {
  return has_trait(n, OpTrait::kKeepsValues) && single_result(n);
}

}  // namespace actrt::ops
