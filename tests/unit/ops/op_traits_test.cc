#include "ops/op_traits.h"

#include <gtest/gtest.h>

#include "ops/elementwise_op.h"
#include "ops/op_registry.h"
#include "runtime/plan.h"

namespace actrt::ops {
namespace {

// A node `op_type` of `domain` reading one value and writing `outputs` values (nullptr where an
// optional output is not requested).
struct OneNode {
  ir::Graph g;
  ir::Node* n = nullptr;
  OneNode(const std::string& op_type, std::vector<bool> outputs = {true},
          const std::string& domain = "") {
    std::vector<ir::Value*> outs;
    for (size_t i = 0; i < outputs.size(); ++i)
      outs.push_back(outputs[i] ? g.add_value("y" + std::to_string(i)) : nullptr);
    n = g.add_node("n", op_type, {g.add_value("x")}, outs, domain);
  }
};

TEST(OpTraits, ViewsAreTheReshapesPlusIdentityAndDropout) {
  for (const char* op : {"Reshape", "Flatten", "Squeeze", "Unsqueeze"}) {
    OneNode t(op);
    EXPECT_TRUE(is_view(*t.n)) << op;
    EXPECT_TRUE(is_reshape(*t.n)) << op;
    EXPECT_TRUE(keeps_values(*t.n)) << op;
  }
  for (const char* op : {"Identity", "Dropout"}) {
    OneNode t(op);
    EXPECT_TRUE(is_view(*t.n)) << op;
    EXPECT_FALSE(is_reshape(*t.n)) << op;
    EXPECT_TRUE(keeps_values(*t.n)) << op;
  }
  for (const char* op : {"Transpose", "Relu", "Conv", "Concat", "Slice", "Cast", "NoSuchOp"}) {
    OneNode t(op);
    EXPECT_FALSE(is_view(*t.n)) << op;
    EXPECT_FALSE(is_reshape(*t.n)) << op;
  }
  EXPECT_TRUE(keeps_values(*OneNode("Transpose").n));
}

TEST(OpTraits, DropoutWithItsMaskIsNoView) {
  EXPECT_TRUE(is_view(*OneNode("Dropout", {true, false}).n));  // mask not requested
  EXPECT_FALSE(is_view(*OneNode("Dropout", {true, true}).n));
  EXPECT_FALSE(keeps_values(*OneNode("Dropout", {true, true}).n));
}

TEST(OpTraits, OtherDomainsHaveNoTraits) {
  OneNode fused("Reshape", {true}, runtime::kFusedDomain);
  EXPECT_FALSE(is_view(*fused.n));
  EXPECT_FALSE(has_trait(*fused.n, OpTrait::kDataMovement));
  EXPECT_TRUE(has_trait("Reshape", OpTrait::kDataMovement));  // by name: default domain
}

TEST(OpTraits, ViewNeedsItsInputAndOutput) {
  ir::Graph g;
  ir::Node* no_out = g.add_node("a", "Reshape", {g.add_value("x")}, {nullptr});
  ir::Node* no_in = g.add_node("b", "Identity", {nullptr}, {g.add_value("y")});
  EXPECT_FALSE(is_view(*no_out));
  EXPECT_FALSE(is_view(*no_in));
}

TEST(OpTraits, TraitsFollowOpsDef) {
  EXPECT_TRUE(has_trait("Gelu", OpTrait::kActivation));
  EXPECT_FALSE(has_trait("Neg", OpTrait::kActivation));
  EXPECT_TRUE(has_trait("Neg", OpTrait::kUnaryElementwise));
  EXPECT_TRUE(has_trait("Where", OpTrait::kBroadcastElementwise));
  EXPECT_TRUE(has_trait("Shape", OpTrait::kShapeComputation));
  EXPECT_TRUE(op_traits("Conv").empty());
  EXPECT_TRUE(op_traits("NoSuchOp").empty());
  EXPECT_EQ(op_traits("Squeeze"), OpTrait::kView | OpTrait::kReshape | OpTrait::kKeepsValues |
                                      OpTrait::kDataMovement);
}

// Invariants between traits, over every op: a reshape is a view, a view keeps values and moves
// data, nothing is both unary and broadcast elementwise.
TEST(OpTraits, TraitsAreConsistentForEveryOp) {
  for (const OpSchema& s : all_ops()) {
    const OpTraits t = s.traits;
    if (t.has(OpTrait::kReshape)) {
      EXPECT_TRUE(t.has(OpTrait::kView)) << s.op_type;
    }
    if (t.has(OpTrait::kView)) {
      EXPECT_TRUE(t.has(OpTrait::kKeepsValues)) << s.op_type;
      EXPECT_TRUE(t.has(OpTrait::kDataMovement)) << s.op_type;
      EXPECT_EQ(s.quant, QuantPolicy::kInt8PassThrough) << s.op_type;
    }
    if (t.has(OpTrait::kActivation)) {
      EXPECT_TRUE(t.has(OpTrait::kUnaryElementwise)) << s.op_type;
    }
    EXPECT_FALSE(t.has(OpTrait::kUnaryElementwise) && t.has(OpTrait::kBroadcastElementwise))
        << s.op_type;
  }
}

TEST(ElementwiseOp, MapsOnnxNamesToStableCodes) {
  EXPECT_EQ(elementwise_op_of(*OneNode("Add").n), ElementwiseOp::kAdd);
  EXPECT_EQ(elementwise_op_of(*OneNode("Relu").n), ElementwiseOp::kRelu);
  EXPECT_EQ(elementwise_op_of(*OneNode("Min").n), ElementwiseOp::kMin);
  EXPECT_FALSE(elementwise_op_of(*OneNode("Conv").n).has_value());
  EXPECT_FALSE(elementwise_op_of(*OneNode("Add", {true}, runtime::kFusedDomain).n).has_value());
  // Engine files store these numbers: they never change.
  EXPECT_EQ(static_cast<int>(ElementwiseOp::kAdd), 0);
  EXPECT_EQ(static_cast<int>(ElementwiseOp::kMax), 6);
  EXPECT_EQ(static_cast<int>(ElementwiseOp::kRelu), 32);
  EXPECT_EQ(static_cast<int>(ElementwiseOp::kGeluTanh), 45);
  EXPECT_TRUE(is_binary(ElementwiseOp::kPow));
  EXPECT_FALSE(is_binary(ElementwiseOp::kSqrt));
}

TEST(ElementwiseOp, GeluFollowsItsApproximation) {
  OneNode erf("Gelu");
  EXPECT_EQ(elementwise_op_of(*erf.n), ElementwiseOp::kGeluErf);
  OneNode tanh("Gelu");
  tanh.n->set_attribute("approximate", ir::Attribute::from_string("tanh"));
  EXPECT_EQ(elementwise_op_of(*tanh.n), ElementwiseOp::kGeluTanh);
}

}  // namespace
}  // namespace actrt::ops
