// bf16_lowering.h on its own (no GPU: runs in CI): which products become BF16, what the
// rewritten graph holds, and the errors. The numerics are checked on the GPU in
// tests/ops/cuda_bf16_matmul_test.cc.
#include <gtest/gtest.h>

#include "../../ops/graph_builder.h"
#include "../../ops/graph_queries.h"
#include "backends/cuda/bf16_lowering.h"
#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/fusion.h"

namespace actrt::cuda {
namespace {

using namespace test_graph;

// x [4, 8] -> Gemm(w [16, 8]^T, bias [16]) -> Relu -> MatMul(w2 [16, 5]) -> y: two products.
std::unique_ptr<ir::Graph> two_products() {
  GraphBuilder b;
  ir::Value* x = b.input("x", {4, 8});
  ir::Value* h = b.node("Gemm", {x, b.constant("w", random_tensor({16, 8}, 1)),
                                 b.constant("b", random_tensor({16}, 2))},
                        {{"transB", int_attr(1)}});
  h = b.node("Relu", {h});
  b.output(b.node("MatMul", {h, b.constant("w2", random_tensor({16, 5}, 3))}));
  auto g = b.finish();
  EXPECT_TRUE(fuse_for_cuda(*g).ok());
  return g;
}

std::vector<const ir::Node*> matmuls(const ir::Graph& g) { return nodes_of(g, kCudaMatMul); }

TEST(CudaBf16Lowering, FlagMakesEveryProductBf16WithCastsOnlyWhereTypesChange) {
  auto g = two_products();
  const auto mms = matmuls(*g);
  ASSERT_EQ(mms.size(), 2u);
  const auto names = bf16_matmul_names(*g, {}, true);
  ASSERT_EQ(names.size(), 2u);
  auto lowered = lower_bf16_matmuls(*g, names);
  ASSERT_TRUE(lowered.ok()) << lowered.status().to_string();
  EXPECT_EQ(*lowered, 2);
  for (const ir::Node* n : matmuls(*g)) {
    EXPECT_EQ(n->input(0)->dtype(), DataType::kBFloat16) << n->name();
    ASSERT_TRUE(n->input(1)->is_constant());
    EXPECT_EQ(n->input(1)->dtype(), DataType::kBFloat16) << n->name();
    if (n->inputs().size() > 2 && n->input(2)) {
      EXPECT_EQ(n->input(2)->dtype(), DataType::kFloat32) << n->name();
    }
    // An FP32 engine keeps the products' FP32 outputs as they are.
    EXPECT_EQ(n->output(0)->dtype(), DataType::kFloat32) << n->name();
  }
  // One Cast to BF16 per product input (x, and the first product's output), none after.
  EXPECT_EQ(count_ops(*g, "Cast"), 2);
  EXPECT_EQ(g->outputs()[0]->dtype(), DataType::kFloat32);
}

TEST(CudaBf16Lowering, Fp16EngineCastsTheFp32ProductBackToFp16) {
  auto g = two_products();
  ASSERT_TRUE(convert_to_fp16(*g).ok());
  auto lowered = lower_bf16_matmuls(*g, {matmuls(*g)[0]->name()});
  ASSERT_TRUE(lowered.ok()) << lowered.status().to_string();
  EXPECT_EQ(*lowered, 1);
  const ir::Node* first = nullptr;
  for (const ir::Node* n : matmuls(*g))
    if (n->input(0)->dtype() == DataType::kBFloat16) first = n;
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->output(0)->dtype(), DataType::kFloat32);
  // Its FP16 bias became FP32 again; its output is cast back to FP16 for the rest of the engine.
  EXPECT_EQ(first->input(2)->dtype(), DataType::kFloat32);
  bool cast_back = false;
  for (const auto& n : g->nodes())
    if (n->op_type() == "Cast" && n->input(0) == first->output(0))
      cast_back = n->output(0)->dtype() == DataType::kFloat16;
  EXPECT_TRUE(cast_back);
}

TEST(CudaBf16Lowering, OverridesWinOverTheFlagAndUnknownNamesAreListed) {
  auto g = two_products();
  const auto mms = matmuls(*g);
  const std::string keep = mms[1]->name();
  const auto names = bf16_matmul_names(*g, {{keep, Precision::kFp32}}, true);
  EXPECT_EQ(names, std::set<std::string>{mms[0]->name()});

  const size_t nodes = g->node_count();
  auto refused = lower_bf16_matmuls(*g, {mms[0]->name(), "no_such_layer", "Relu_0"});
  ASSERT_FALSE(refused.ok());
  const std::string& msg = refused.status().message();
  EXPECT_NE(msg.find("'Relu_0', 'no_such_layer'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("matrix products"), std::string::npos) << msg;
  EXPECT_EQ(g->node_count(), nodes);  // unchanged
  for (const ir::Node* n : matmuls(*g)) EXPECT_EQ(n->input(0)->dtype(), DataType::kFloat32);
}

}  // namespace
}  // namespace actrt::cuda
