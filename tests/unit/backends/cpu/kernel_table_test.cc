// The CPU kernel table (src/backends/cpu/kernel_registry.cc): order is priority, the reference
// fallback is its explicit last row, INT8 and host fallback are fields of the rows, and a node
// no kernel accepts is reported with every kernel's reason, all such nodes at once.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "../../passes/pass_test_util.h"
#include "backends/cpu/fused_ops.h"
#include "backends/cpu/kernels.h"
#include "runtime/backend.h"

namespace actrt::cpu {
namespace {

using passes::testing::attr_is;
using passes::testing::Builder;

// A FusedConv whose weights are a graph input: no CPU kernel runs it (oneDNN packs constant
// weights; the reference kernels do not run fused ops).
ir::Node* runtime_weight_conv(Builder& b, const std::string& name) {
  ir::Value* x = b.input(name + "_x", {1, 3, 8, 8});
  ir::Value* w = b.input(name + "_w", {4, 3, 3, 3});
  ir::Value* y = b.graph().add_value(name);
  y->set_dtype(DataType::kFloat32);
  y->set_shape({1, 4, 6, 6});
  return b.graph().add_node(name + "_node", kFusedConv, {x, w}, {y}, runtime::kFusedDomain);
}

TEST(CpuKernelTable, ReferenceIsTheExplicitLastRow) {
  const auto table = cpu_kernels();
  ASSERT_GE(table.size(), 2u);
  EXPECT_STREQ(table.front().name, "folded");
  EXPECT_STREQ(table.back().name, "reference");
  EXPECT_TRUE(table.back().host_fallback);
  std::set<std::string> names;
  for (const CpuKernel& k : table) {
    EXPECT_TRUE(names.insert(k.name).second) << "duplicate kernel name " << k.name;
    EXPECT_NE(std::string(k.summary), "") << k.name;
    if (&k != &table.back()) {
      EXPECT_FALSE(k.host_fallback) << k.name;
    }
  }
  // The backend's view is the same table, in the same order.
  const runtime::Backend* be = runtime::find_backend(BackendKind::kCpu);
  ASSERT_NE(be, nullptr);
  const auto infos = be->kernels();
  ASSERT_EQ(infos.size(), table.size());
  for (size_t i = 0; i < infos.size(); ++i) EXPECT_STREQ(infos[i].name, table[i].name);
}

TEST(CpuKernelTable, Int8IsAFieldOfTheRow) {
  for (const CpuKernel& k : cpu_kernels()) {
    if (k.per_op_name) continue;
    EXPECT_EQ(is_int8_kernel(k.name), k.int8) << k.name;
  }
  EXPECT_TRUE(is_int8_kernel("onednn.conv.s8"));
  EXPECT_TRUE(is_int8_kernel("onednn.matmul.s8"));
  EXPECT_FALSE(is_int8_kernel("onednn.conv"));
  EXPECT_FALSE(is_int8_kernel("reference.Conv"));
  EXPECT_FALSE(is_int8_kernel("no.such.kernel"));
}

TEST(CpuKernelTable, TableOrderIsPriority) {
  Builder b;
  ir::Value* x = b.input("x", {2, 3, 5});
  ir::Value* t = b.op("Transpose", "t", {x}, {{"perm", attr_is({0, 2, 1})}});
  ir::Value* s = b.op("Slice", "s", {t, b.ints("st", {0}), b.ints("en", {1}), b.ints("ax", {0})});
  b.output(s);
  ASSERT_TRUE(passes::infer_shapes(b.graph()).ok());
  for (const auto& n : b.graph().nodes()) {
    auto chosen = choose_kernel(*n);
    ASSERT_TRUE(chosen.ok()) << chosen.status().to_string();
    // The chosen row is the first that accepts the node, whatever rows after it accept too.
    for (const CpuKernel& k : cpu_kernels()) {
      if (!k.accepts(*n).ok()) continue;
      EXPECT_EQ(*chosen, &k) << n->describe();
      break;
    }
    EXPECT_TRUE(cpu_kernels().back().accepts(*n).ok()) << "reference runs every ONNX op";
  }
  auto transpose = choose_kernel(*b.graph().nodes()[0]);
  ASSERT_TRUE(transpose.ok());
  EXPECT_STREQ((*transpose)->name, "cpu.transpose");  // before the reference row
  const ir::Node& slice = *b.graph().nodes()[1];
  auto fallback = choose_kernel(slice);
  ASSERT_TRUE(fallback.ok());
  EXPECT_EQ(layer_kernel_name(**fallback, slice), "reference.Slice");
  EXPECT_EQ(find_kernel("reference.Slice"), *fallback);
  EXPECT_EQ(find_kernel("reference"), nullptr);
}

TEST(CpuKernelTable, UnacceptedNodeGivesEveryKernelsReason) {
  Builder b;
  ir::Node* conv = runtime_weight_conv(b, "conv");
  const runtime::Backend* be = runtime::find_backend(BackendKind::kCpu);
  ASSERT_NE(be, nullptr);
  const std::string reason = be->unsupported_reason(*conv);
  EXPECT_NE(reason.find("onednn.conv: weights are not a constant"), std::string::npos) << reason;
  EXPECT_NE(reason.find("reference: fused op"), std::string::npos) << reason;
  EXPECT_NE(reason.find("onednn.pool: not an ONNX MaxPool"), std::string::npos) << reason;
}

TEST(CpuKernelTable, AllUnacceptedNodesAreReportedAtOnce) {
  Builder b;
  ir::Node* a = runtime_weight_conv(b, "conv_a");
  ir::Node* c = runtime_weight_conv(b, "conv_b");
  b.output(a->output(0));
  b.output(c->output(0));
  runtime::Plan plan;
  plan.graph = b.take();
  auto assigned = assign_kernels(plan);
  ASSERT_FALSE(assigned.ok());
  EXPECT_EQ(assigned.status().code(), StatusCode::kUnsupported);
  const std::string msg = assigned.status().message();
  EXPECT_NE(msg.find("2 node(s)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("conv_a"), std::string::npos) << msg;
  EXPECT_NE(msg.find("conv_b"), std::string::npos) << msg;
  EXPECT_NE(msg.find("weights are not a constant"), std::string::npos) << msg;
}

TEST(CpuKernelTable, AssignmentCountsHostFallbackAndInt8) {
  Builder b;
  ir::Value* x = b.input("x", {2, 3, 5});
  ir::Value* t = b.op("Transpose", "t", {x}, {{"perm", attr_is({0, 2, 1})}});
  b.output(b.op("Slice", "s", {t, b.ints("st", {0}), b.ints("en", {1}), b.ints("ax", {0})}));
  ASSERT_TRUE(passes::infer_shapes(b.graph()).ok());
  runtime::Plan plan;
  plan.graph = b.take();
  auto assigned = assign_kernels(plan);
  ASSERT_TRUE(assigned.ok()) << assigned.status().to_string();
  EXPECT_EQ(assigned->host_fallback_layers, 1);
  EXPECT_EQ(assigned->int8_layers, 0);
  EXPECT_EQ(plan.layers.at("t_node").kernel, "cpu.transpose");
  EXPECT_EQ(plan.layers.at("s_node").kernel, "reference.Slice");
}

}  // namespace
}  // namespace actrt::cpu
