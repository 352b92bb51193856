// The CUDA kernel table (kernel_table.h) without a GPU: which kernel each kind of node gets, the
// names written into plan.layers, and that nodes no kernel runs are all reported at once with
// each kernel's reason.
#include <gtest/gtest.h>

#include <set>

#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/kernel_table.h"
#include "runtime/backend.h"

namespace actrt::cuda {
namespace {

ir::Value* value(ir::Graph& g, const std::string& name, Shape shape,
                 DataType dtype = DataType::kFloat32) {
  ir::Value* v = g.add_value(name);
  v->set_dtype(dtype);
  v->set_shape(std::move(shape));
  return v;
}

std::string chosen(const ir::Node& n) {
  auto k = cuda_kernel_for(n);
  if (!k.ok()) return "refused: " + k.status().message();
  return kernel_layer_name(**k, n);
}

TEST(CudaKernelTable, NamesAreUniqueAndTheHostFallbackIsLast) {
  std::set<std::string> names;
  for (const CudaKernel& k : cuda_kernels()) {
    EXPECT_TRUE(names.insert(k.name).second) << "duplicate kernel " << k.name;
    EXPECT_NE(k.accepts, nullptr) << k.name;
    EXPECT_NE(std::string(k.summary), "") << k.name;
  }
  ASSERT_FALSE(cuda_kernels().empty());
  EXPECT_TRUE(cuda_kernels().back().host_fallback);
  int fallbacks = 0;
  for (const CudaKernel& k : cuda_kernels()) fallbacks += k.host_fallback;
  EXPECT_EQ(fallbacks, 1);
}

TEST(CudaKernelTable, ConvolutionKernelFollowsTheChosenTactic) {
  ir::Graph g;
  ir::Value* x = value(g, "x", {1, 8, 8, 4});
  ir::Value* y1 = value(g, "y1", {1, 8, 8, 4});
  ir::Value* y2 = value(g, "y2", {1, 8, 8, 4});
  ir::Value* y3 = value(g, "y3", {1, 8, 8, 4});
  ir::Node* wino = g.add_node("wino", kCudaConv, {x}, {y1}, runtime::kFusedDomain);
  wino->set_attribute("tactic", ir::Attribute::from_string("wino4x4;lt=0"));
  ir::Node* graph = g.add_node("graph", kCudaConv, {x}, {y2}, runtime::kFusedDomain);
  graph->set_attribute("tactic", ir::Attribute::from_string("e41;2=4"));
  ir::Node* legacy = g.add_node("legacy", kCudaConv, {x}, {y3}, runtime::kFusedDomain);
  legacy->set_attribute("algo", ir::Attribute::from_int(1));
  EXPECT_EQ(chosen(*wino), "actrt.winograd_f4x4");
  EXPECT_EQ(chosen(*graph), "cudnn.graph.e41;2=4");
  EXPECT_EQ(chosen(*legacy), "cudnn.conv_bias_act.algo1");
}

TEST(CudaKernelTable, OnnxOpsGetTheirKernelViewOrTheHostFallback) {
  ir::Graph g;
  ir::Value* x = value(g, "x", {2, 3, 5});
  ir::Node* reshape = g.add_node("reshape", "Reshape", {x, g.add_constant("s", Tensor::from_vector<int64_t>(DataType::kInt64, {2}, {2, 15}))},
                                 {value(g, "r", {2, 15})});
  ir::Node* softmax_last = g.add_node("sm_last", "Softmax", {x}, {value(g, "s1", {2, 3, 5})});
  softmax_last->set_attribute("axis", ir::Attribute::from_int(-1));
  // Rank 3 without an axis attribute means axis 1 before opset 13 and -1 after: the opset is not
  // known here, so the host runs it.
  ir::Node* softmax_implicit = g.add_node("sm_implicit", "Softmax", {x}, {value(g, "s2", {2, 3, 5})});
  ir::Node* gather_dynamic = g.add_node("gather", "Gather", {x, value(g, "i", {2}, DataType::kInt64)},
                                        {value(g, "gy", {2, 3, 5})});
  ir::Node* cast_int = g.add_node("cast", "Cast", {x}, {value(g, "ci", {2, 3, 5}, DataType::kInt64)});
  EXPECT_EQ(chosen(*reshape), "view");
  EXPECT_EQ(chosen(*softmax_last), "actrt.softmax");
  EXPECT_EQ(chosen(*softmax_implicit), "host.reference");
  EXPECT_EQ(chosen(*gather_dynamic), "host.reference");
  EXPECT_EQ(chosen(*cast_int), "host.reference");
}

TEST(CudaKernelTable, NodesNoKernelRunsAreReportedTogetherWithReasons) {
  runtime::Plan plan;
  plan.graph = std::make_unique<ir::Graph>();
  ir::Graph& g = *plan.graph;
  ir::Value* x = value(g, "x", {4, 4});
  g.add_node("fused_a", "CpuOnlyThing", {x}, {value(g, "a", {4, 4})}, runtime::kFusedDomain);
  g.add_node("relu", "Relu", {x}, {value(g, "r", {4, 4})});
  g.add_node("fused_b", "AnotherThing", {x}, {value(g, "b", {4, 4})}, runtime::kFusedDomain);
  Status s = assign_kernels(plan);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("2 node(s)"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("fused_a"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("fused_b"), std::string::npos) << s.message();
  // Each kernel says why not.
  EXPECT_NE(s.message().find("host.reference: a fused op of domain 'actrt'"), std::string::npos)
      << s.message();
  EXPECT_EQ(s.message().find("'relu'"), std::string::npos) << s.message();
}

TEST(CudaKernelTable, BackendAnswersFromTheTable) {
  const runtime::Backend* cuda = runtime::find_backend(BackendKind::kCuda);
  ASSERT_NE(cuda, nullptr);
  EXPECT_EQ(cuda->kernels().size(), cuda_kernels().size());
  ir::Graph g;
  ir::Value* x = value(g, "x", {4, 4});
  ir::Node* fused = g.add_node("f", "Unknown", {x}, {value(g, "y", {4, 4})}, runtime::kFusedDomain);
  ir::Node* relu = g.add_node("relu", "Relu", {x}, {value(g, "z", {4, 4})});
  EXPECT_NE(cuda->unsupported_reason(*fused), "");
  EXPECT_EQ(cuda->unsupported_reason(*relu), "");
}

}  // namespace
}  // namespace actrt::cuda
