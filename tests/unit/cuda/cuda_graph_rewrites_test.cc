// The CUDA backend's graph rewrites on their own (no GPU needed, so they run in CI): what a
// PyTorch multi-head attention and ACT's camera-token junction become in an FP16 plan. The
// numerics of the same graphs are checked on the GPU in tests/ops/cuda_kernels_test.cc.
#include <gtest/gtest.h>

#include "../../ops/graph_builder.h"
#include "../../ops/graph_queries.h"
#include "backends/cuda/attention_layout.h"
#include "backends/cuda/copy_fusion.h"
#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/eltwise_chain.h"
#include "backends/cuda/fusion.h"
#include "backends/cuda/qkv_merge.h"

namespace actrt::cuda {
namespace {

using namespace test_graph;

// The FP16 rewrite sequence of CudaBackend::compile (without tactic choice).
void rewrite_fp16(ir::Graph& g) {
  ASSERT_TRUE(fuse_for_cuda(g).ok());
  ASSERT_TRUE(convert_to_fp16(g).ok());
  ASSERT_TRUE(fold_attention_layouts(g).ok());
  ASSERT_TRUE(merge_qkv_projections(g).ok());
  ASSERT_TRUE(fold_eltwise_io(g).ok());
  ASSERT_TRUE(fold_copy_chains(g).ok());
}


const ir::Node* find(const ir::Graph& g, const std::string& op) {
  for (const auto& node : g.nodes())
    if (node->op_type() == op) return node.get();
  return nullptr;
}

Tensor i64(std::vector<int64_t> v) {
  const int64_t n = int64_t(v.size());
  return Tensor::from_vector(DataType::kInt64, {n}, v);
}

// Self-attention with 3 heads of 64 over 50 tokens, as torch.nn.MultiheadAttention exports it.
TEST(CudaGraphRewrites, MultiHeadAttentionBecomesOneGemmAndFlashWithoutTransposes) {
  const int64_t s = 50, h = 3, d = 64, e = h * d;
  GraphBuilder b;
  ir::Value* x = b.input("x", {s, e});
  auto project = [&](const char* name, uint32_t seed, std::vector<int64_t> perm) {
    ir::Value* y = b.node("MatMul", {x, b.constant(std::string("w") + name, random_tensor({e, e}, seed))});
    y = b.node("Add", {y, b.constant(std::string("b") + name, random_tensor({e}, seed + 1))});
    ir::Value* heads = b.node("Reshape", {y, b.constant(std::string("s") + name, i64({s, h, d}))});
    return b.node("Transpose", {heads}, {{"perm", ints(perm)}});
  };
  ir::Value* q = project("q", 1, {1, 0, 2});
  ir::Value* k = project("k", 3, {1, 2, 0});
  ir::Value* v = project("v", 5, {1, 0, 2});
  ir::Value* scale = b.constant("scale", Tensor::from_vector(DataType::kFloat32, {},
                                                             std::vector<float>{0.125f}));
  ir::Value* p = b.node("Softmax", {b.node("MatMul", {b.node("Mul", {q, scale}), k})},
                        {{"axis", int_attr(-1)}});
  ir::Value* o = b.node("Transpose", {b.node("MatMul", {p, v})}, {{"perm", ints({1, 0, 2})}});
  b.output(b.node("Reshape", {o, b.constant("flat", i64({s, e}))}));
  auto g = b.finish();
  rewrite_fp16(*g);
  EXPECT_EQ(count_ops(*g, "Transpose"), 0);
  EXPECT_EQ(count_ops(*g, kCudaMatMul), 1);  // Q, K and V in one [S, 3E] GEMM
  const ir::Node* attn = find(*g, kCudaAttention);
  ASSERT_NE(attn, nullptr);
  EXPECT_EQ(attn->attr_ints("layouts", {}).value(), (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(attn->attr_ints("head_offsets", {}).value(), (std::vector<int64_t>{0, h, 2 * h}));
  auto geo = attention_geometry(*attn);
  ASSERT_TRUE(geo.ok()) << geo.status().to_string();
  EXPECT_EQ(geo->batch, h);
  EXPECT_EQ(geo->strides.q_row, 3 * e);
  EXPECT_EQ(geo->k_offset, h * d);
  EXPECT_EQ(geo->v_offset, 2 * h * d);
}

// Camera features [camera, h, w, c] -> NCHW -> a Slice per camera -> Concat along width ->
// tokens -> after two more tokens: one CudaCopy, whose pieces stay inside their buffers.
TEST(CudaGraphRewrites, CameraTokenJunctionBecomesOneCopy) {
  GraphBuilder b;
  ir::Value* feat = b.input("feat", {3, 4, 5, 8});
  ir::Value* proprio = b.input("proprio", {1, 8});
  ir::Value* nchw = b.node("Transpose", {b.node("Relu", {feat})}, {{"perm", ints({0, 3, 1, 2})}});
  std::vector<ir::Value*> cams;
  for (int64_t c = 0; c < 3; ++c)
    cams.push_back(b.node("Slice", {nchw, b.constant("s", i64({c})), b.constant("e", i64({c + 1})),
                                    b.constant("a", i64({0}))}));
  ir::Value* wide = b.node("Concat", cams, {{"axis", int_attr(3)}});
  ir::Value* tokens = b.node("Transpose", {b.node("Reshape", {wide, b.constant("f", i64({1, 8, 60}))})},
                             {{"perm", ints({2, 0, 1})}});
  ir::Value* robot = b.node("Unsqueeze", {proprio, b.constant("ax", i64({0}))});
  ir::Value* extra = b.node("Concat", {b.constant("latent", random_tensor({1, 1, 8}, 7)), robot},
                            {{"axis", int_attr(0)}});
  b.output(b.node("Concat", {extra, tokens}, {{"axis", int_attr(0)}}));
  auto g = b.finish();
  rewrite_fp16(*g);
  EXPECT_EQ(count_ops(*g, kCudaCopy), 1);
  EXPECT_EQ(count_ops(*g, "Concat") + count_ops(*g, "Slice") + count_ops(*g, "Transpose"), 0);
  const ir::Node* copy = find(*g, kCudaCopy);
  ASSERT_NE(copy, nullptr);
  // 5 pieces: the constant token, the robot token, one per camera.
  const std::vector<int64_t> rec = copy->attr_ints("pieces", {}).value();
  int pieces = 0;
  for (size_t i = 0; i < rec.size(); ++pieces) i += 2 + 3 * size_t(rec[i + 1]) + 2;
  EXPECT_EQ(pieces, 5);
}

}  // namespace
}  // namespace actrt::cuda
