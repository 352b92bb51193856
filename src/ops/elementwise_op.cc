#include "ops/elementwise_op.h"

#include <string_view>
#include <utility>

namespace actrt::ops {

namespace {
constexpr std::pair<std::string_view, ElementwiseOp> kByName[] = {
    {"Add", ElementwiseOp::kAdd},     {"Sub", ElementwiseOp::kSub},
    {"Mul", ElementwiseOp::kMul},     {"Div", ElementwiseOp::kDiv},
    {"Pow", ElementwiseOp::kPow},     {"Min", ElementwiseOp::kMin},
    {"Max", ElementwiseOp::kMax},     {"Relu", ElementwiseOp::kRelu},
    {"Neg", ElementwiseOp::kNeg},     {"Abs", ElementwiseOp::kAbs},
    {"Exp", ElementwiseOp::kExp},     {"Log", ElementwiseOp::kLog},
    {"Sqrt", ElementwiseOp::kSqrt},   {"Reciprocal", ElementwiseOp::kReciprocal},
    {"Tanh", ElementwiseOp::kTanh},   {"Sigmoid", ElementwiseOp::kSigmoid},
    {"Erf", ElementwiseOp::kErf},     {"Sin", ElementwiseOp::kSin},
    {"Cos", ElementwiseOp::kCos},     {"Gelu", ElementwiseOp::kGeluErf},
};
}  // namespace

std::optional<ElementwiseOp> elementwise_op_of(const ir::Node& n) {
  if (!n.domain().empty()) return std::nullopt;
  for (const auto& [name, op] : kByName) {
    if (n.op_type() != name) continue;
    if (op != ElementwiseOp::kGeluErf) return op;
    auto approx = n.attr_string("approximate", "none");
    if (!approx.ok()) return std::nullopt;
    return approx.value() == "tanh" ? ElementwiseOp::kGeluTanh : ElementwiseOp::kGeluErf;
  }
  return std::nullopt;
}

}  // namespace actrt::ops
