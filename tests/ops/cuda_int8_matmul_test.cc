// INT8 matrix products on CUDA (int8_lowering.h: cuBLASLt int8 x int8 -> int32, then the
// per-column dequantize epilogue) against their fake-quant reference: the same graph with each
// product's input quantize-dequantized with its scale and its weights on the per-output-channel
// int8 grid. FP32 and FP16 engines; eager, captured and replayed runs. Skipped without a GPU.
#include <gtest/gtest.h>

#include "backends/cuda/cuda_ops.h"
#include "cuda_test_util.h"
#include "fake_quant.h"
#include "int8_residual_block.h"
#include "quant/weight_scales.h"

namespace actrt::cuda_test {
namespace {

struct Products {
  std::unique_ptr<ir::Graph> g;
  std::vector<std::string> inputs;  // what the two products quantize
};

// x [60, 64] -> Gemm(w [96, 64]^T, b) -> Relu -> h; y = MatMul(h, w2 [96, 48]) + b2.
Products products() {
  GraphBuilder gb;
  ir::Value* x = gb.input("x", {60, 64});
  ir::Value* h = gb.node("Relu", {gb.node("Gemm", {x, gb.constant("w", random_tensor({96, 64}, 1, -0.3f, 0.3f)),
                                                   gb.constant("b", random_tensor({96}, 2))},
                                          {{"transB", test_graph::int_attr(1)}})});
  ir::Value* y = gb.node("MatMul", {h, gb.constant("w2", random_tensor({96, 48}, 3, -0.3f, 0.3f))});
  gb.output(gb.node("Add", {y, gb.constant("b2", random_tensor({48}, 4))}));
  return Products{gb.finish(), {x->name(), h->name()}};
}

// The weights of `n` (Gemm with transB: channels along axis 0; MatMul: axis 1) on their int8 grid.
Tensor fake_quant_weights(const Tensor& w, int64_t axis) {
  auto ws = quant::per_channel_weight_scales(w, axis);
  auto wq = quant::quantize_per_channel(w, axis, ws.value());
  Tensor out = w.clone();
  const int64_t cols = w.shape()[1];
  for (int64_t i = 0; i < w.numel(); ++i) {
    const int64_t ch = axis == 0 ? i / cols : i % cols;
    out.data<float>()[i] = wq->data<int8_t>()[i] * ws.value()[size_t(ch)];
  }
  return out;
}

std::unique_ptr<ir::Graph> fake_quant(const Products& p, const std::map<std::string, float>& scales) {
  auto f = p.g->clone();
  std::vector<ir::Node*> nodes;
  for (const auto& n : f->nodes()) nodes.push_back(n.get());
  for (const std::string& name : p.inputs)
    fake_quantize_tensor(*f, nodes, name, scales.at(name), {"Gemm", "MatMul"});
  for (ir::Node* n : nodes) {
    if (n->op_type() == "Gemm") n->inputs()[1] = f->add_constant("wfq", fake_quant_weights(n->input(1)->constant(), 0));
    if (n->op_type() == "MatMul") n->inputs()[1] = f->add_constant("wfq", fake_quant_weights(n->input(1)->constant(), 1));
  }
  EXPECT_TRUE(f->topological_sort().ok());
  return f;
}

class CudaInt8MatMul : public ::testing::TestWithParam<bool> {};  // param: FP16 elsewhere

TEST_P(CudaInt8MatMul, ProductsMatchTheirFakeQuantReference) {
  SKIP_WITHOUT_CUDA();
  const Products p = products();
  const ir::Graph& g = *p.g;
  const runtime::TensorMap feeds{{"x", random_tensor({60, 64}, 11, -2.0f, 2.0f)}};
  const std::map<std::string, float> scales = scales_on(g, feeds);
  runtime::Plan plan;
  plan.graph = g.clone();
  plan.int8_scales = scales;
  BuilderConfig config;
  config.backend = BackendKind::kCuda;
  config.int8 = true;
  config.fp16 = GetParam();
  config.deterministic = true;
  for (const auto& n : g.nodes())
    if (n->op_type() == "Gemm" || n->op_type() == "MatMul")
      config.layer_precisions[n->name()] = Precision::kInt8;  // products go INT8 only by name
  const Status built = runtime::find_backend(BackendKind::kCuda)->compile(plan, config);
  ASSERT_TRUE(built.ok()) << built.to_string();
  EXPECT_EQ(plan.metadata["cuda.int8_matmul"], "2");
  EXPECT_EQ(count_kernel(plan, "cublaslt.matmul_int8"), 2);
  auto fq = reference::Executor(*fake_quant(p, scales)).run(feeds);
  auto fp = reference::Executor(g).run(feeds);
  ASSERT_TRUE(fq.ok() && fp.ok());
  const std::string out = g.outputs()[0]->name();
  auto ctx = runtime::find_backend(BackendKind::kCuda)->create_context(plan, {});
  ASSERT_TRUE(ctx.ok()) << ctx.status().to_string();
  for (int rep = 0; rep < 3; ++rep) {  // eager, capture, replay
    runtime::TensorMap outs;
    const Status st = (*ctx)->infer(feeds, outs);
    ASSERT_TRUE(st.ok()) << st.to_string();
    const double to_fake = relative_error(outs[out], fq->at(out));
    const double to_fp32 = relative_error(outs[out], fp->at(out));
    const double fake_to_fp32 = relative_error(fq->at(out), fp->at(out));
    std::printf("[int8 matmul] fp16=%d run %d: vs fake-quant %.5f, vs FP32 %.5f (fake-quant vs "
                "FP32 %.5f)\n", int(GetParam()), rep, to_fake, to_fp32, fake_to_fp32);
    EXPECT_LE(to_fake, GetParam() ? 1.5e-2 : 1e-2) << "run " << rep;
    if (GetParam()) continue;
    EXPECT_LT(to_fake, 0.5 * fake_to_fp32) << "run " << rep;  // really INT8
  }
}

INSTANTIATE_TEST_SUITE_P(Precisions, CudaInt8MatMul, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "fp16" : "fp32"; });

}  // namespace
}  // namespace actrt::cuda_test
