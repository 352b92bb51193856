// Every CUDA backend kernel against the reference kernels, on seeded random data with odd sizes,
// in FP32 (1e-4), TF32 (2e-3) and FP16 (1e-2). The arena is poisoned with NaN when a context is
// created, so an output element nobody writes fails. Skipped without a GPU.
#include <gtest/gtest.h>

#include "backends/cuda/matmul.h"
#include "cuda_test_util.h"

namespace actrt::cuda_test {
namespace {

class CudaKernels : public ::testing::TestWithParam<Mode> {};

INSTANTIATE_TEST_SUITE_P(Precisions, CudaKernels,
                         ::testing::Values(Mode::kFp32, Mode::kTf32, Mode::kFp16),
                         [](const auto& info) { return std::string(mode_name(info.param)); });

TEST_P(CudaKernels, ConvBiasRelu) {
  SKIP_WITHOUT_CUDA();
  GraphBuilder b;
  ir::Value* x = b.input("x", {2, 5, 11, 13});
  ir::Value* w = b.constant("w", random_tensor({7, 5, 3, 3}, 1, -0.3f, 0.3f));
  ir::Value* bias = b.constant("b", random_tensor({7}, 2));
  ir::Value* c = b.node("Conv", {x, w, bias}, {{"pads", ints({1, 1, 1, 1})}});
  b.output(b.node("Relu", {c}));
  auto g = b.finish();
  auto run = expect_matches_reference(*g, GetParam());
  if (run) {
    EXPECT_EQ(run->plan->graph->node_count(), GetParam() == Mode::kFp16 ? 5u : 3u);
  }
}

// QuantizeLinear / DequantizeLinear with a per-tensor scale and a non-zero zero point, odd size
// (the vectorized kernel's tail), values beyond the int8 range (saturation).
TEST_P(CudaKernels, QuantizeDequantizeInt8) {
  SKIP_WITHOUT_CUDA();
  GraphBuilder b;
  ir::Value* x = b.input("x", {3, 1001});
  ir::Value* s = b.constant("s", Tensor::from_vector<float>(DataType::kFloat32, {}, {0.006f}));
  ir::Value* z = b.constant("z", Tensor::from_vector<int8_t>(DataType::kInt8, {}, {3}));
  b.output(b.node("DequantizeLinear", {b.node("QuantizeLinear", {x, s, z}), s, z}));
  auto g = b.finish();
  auto run = expect_matches_reference(*g, GetParam());
  if (!run) return;
  EXPECT_EQ(count_kernel(*run->plan, "actrt.quantize_int8"), 1);
  EXPECT_EQ(count_kernel(*run->plan, "actrt.dequantize_int8"), 1);
}

TEST_P(CudaKernels, ConvResidualReluStrided) {
  SKIP_WITHOUT_CUDA();
  GraphBuilder b;
  ir::Value* x = b.input("x", {3, 6, 15, 17});
  ir::Value* w1 = b.constant("w1", random_tensor({6, 6, 3, 3}, 3, -0.2f, 0.2f));
  ir::Value* c1 = b.node("Conv", {x, w1}, {{"pads", ints({1, 1, 1, 1})}});
  ir::Value* w2 = b.constant("w2", random_tensor({6, 6, 3, 3}, 4, -0.2f, 0.2f));
  ir::Value* b2 = b.constant("b2", random_tensor({6}, 5));
  ir::Value* c2 = b.node("Conv", {b.node("Relu", {c1}), w2, b2}, {{"pads", ints({1, 1, 1, 1})}});
  ir::Value* sum = b.node("Add", {c2, x});
  ir::Value* r = b.node("Relu", {sum});
  // A strided 1x1 "downsample" without ReLU, then a 3x3/2 max pool.
  ir::Value* w3 = b.constant("w3", random_tensor({9, 6, 1, 1}, 6, -0.5f, 0.5f));
  ir::Value* d = b.node("Conv", {r, w3}, {{"strides", ints({2, 2})}});
  b.output(b.node("MaxPool", {d}, {{"kernel_shape", ints({3, 3})},
                                   {"strides", ints({2, 2})},
                                   {"pads", ints({1, 1, 1, 1})}}));
  auto g = b.finish();
  auto run = expect_matches_reference(*g, GetParam());
  if (run) {
    EXPECT_EQ(count_kernel(*run->plan, "actrt.maxpool_nhwc"), 1);
  }
}

// ResNet's stem: conv 7x7/2 + ReLU, then max pool 3x3/2, with 16 channels (a multiple of 8:
// the vectorized FP16 pooling path) and odd spatial sizes (padding on every border).
TEST_P(CudaKernels, StemConvMaxPoolWideChannels) {
  SKIP_WITHOUT_CUDA();
  GraphBuilder b;
  ir::Value* x = b.input("x", {2, 3, 29, 23});
  ir::Value* w = b.constant("w", random_tensor({16, 3, 7, 7}, 21, -0.2f, 0.2f));
  ir::Value* c = b.node("Conv", {x, w}, {{"pads", ints({3, 3, 3, 3})}, {"strides", ints({2, 2})}});
  b.output(b.node("MaxPool", {b.node("Relu", {c})}, {{"kernel_shape", ints({3, 3})},
                                                    {"strides", ints({2, 2})},
                                                    {"pads", ints({1, 1, 1, 1})}}));
  auto g = b.finish();
  auto run = expect_matches_reference(*g, GetParam());
  if (run) {
    EXPECT_EQ(count_kernel(*run->plan, "actrt.maxpool_nhwc"), 1);
  }
}

// ACT's image path: (image - mean) / std per channel on [1, cameras, 3, H, W], the cameras
// batched by a Reshape, into a convolution. The normalization, the FP16 Cast and the NCHW ->
// NHWC Transpose become one elementwise launch (eltwise_chain.h): no Transpose or Cast is left
// in front of the convolution.
TEST_P(CudaKernels, ImageNormalizationFeedsConvWithoutTranspose) {
  SKIP_WITHOUT_CUDA();
  GraphBuilder b;
  ir::Value* x = b.input("image", {1, 2, 3, 13, 17});
  ir::Value* mean = b.constant("mean", Tensor::from_vector(DataType::kFloat32, {3, 1, 1},
                                                           std::vector<float>{0.485f, 0.456f, 0.406f}));
  ir::Value* stdv = b.constant("std", Tensor::from_vector(DataType::kFloat32, {3, 1, 1},
                                                          std::vector<float>{0.229f, 0.224f, 0.225f}));
  ir::Value* norm = b.node("Div", {b.node("Sub", {x, mean}), stdv});
  ir::Value* shape = b.constant("shape", Tensor::from_vector(DataType::kInt64, {4},
                                                             std::vector<int64_t>{2, 3, 13, 17}));
  ir::Value* batch = b.node("Reshape", {norm, shape});
  ir::Value* w = b.constant("w", random_tensor({8, 3, 3, 3}, 31, -0.3f, 0.3f));
  b.output(b.node("Conv", {batch, w}, {{"pads", ints({1, 1, 1, 1})}}));
  auto g = b.finish();
  auto run = expect_matches_reference(*g, GetParam());
  if (run) {
    int transposes_or_casts_before_conv = 0;
    for (const auto& n : run->plan->graph->nodes()) {
      if (n->op_type() == "CudaConv") break;
      transposes_or_casts_before_conv += n->op_type() == "Transpose" || n->op_type() == "Cast";
    }
    EXPECT_EQ(transposes_or_casts_before_conv, 0);
  }
}

// ACT's backbone-to-transformer junction: batched camera features -> NCHW -> one Slice per camera
// -> Concat along width -> flatten -> tokens first -> Concat after two more tokens (one constant,
// one Unsqueezed projection). copy_fusion.h makes it one CudaCopy of strided pieces.
TEST_P(CudaKernels, CameraTokenJunctionIsOneCopy) {
  SKIP_WITHOUT_CUDA();
  GraphBuilder b;
  auto i64 = [&](const std::string& name, std::vector<int64_t> v) {
    const int64_t n = int64_t(v.size());
    return b.constant(name, Tensor::from_vector(DataType::kInt64, {n}, v));
  };
  ir::Value* feat = b.input("feat", {3, 4, 5, 8});  // [camera, h, w, c]
  ir::Value* proprio = b.input("proprio", {1, 8});
  ir::Value* nchw = b.node("Transpose", {feat}, {{"perm", ints({0, 3, 1, 2})}});
  std::vector<ir::Value*> cams;
  for (int64_t c = 0; c < 3; ++c) {
    const std::string k = std::to_string(c);  // (names built from k: GCC 12 -Wrestrict false positive)
    cams.push_back(b.node("Slice", {nchw, i64(std::string("s") += k, {c}),
                                    i64(std::string("e") += k, {c + 1}), i64(std::string("a") += k, {0})}));
  }
  ir::Value* wide = b.node("Concat", cams, {{"axis", int_attr(3)}});        // [1, 8, 4, 15]
  ir::Value* flat = b.node("Reshape", {wide, i64("flat", {1, 8, 60})});
  ir::Value* tokens = b.node("Transpose", {flat}, {{"perm", ints({2, 0, 1})}});  // [60, 1, 8]
  ir::Value* latent = b.constant("latent", random_tensor({1, 1, 8}, 61));
  ir::Value* robot = b.node("Unsqueeze", {proprio, i64("axis0", {0})});   // [1, 1, 8]
  ir::Value* extra = b.node("Concat", {latent, robot}, {{"axis", int_attr(0)}});
  b.output(b.node("Concat", {extra, tokens}, {{"axis", int_attr(0)}}));   // [62, 1, 8]
  auto g = b.finish();
  auto run = expect_matches_reference(*g, GetParam());
  if (run) {
    EXPECT_EQ(count_kernel(*run->plan, "actrt.copy_pieces"), 1);
    EXPECT_EQ(count_kernel(*run->plan, "actrt.strided_copy"), 0);
  }
}

TEST_P(CudaKernels, MatMulBiasRelu) {
  SKIP_WITHOUT_CUDA();
  GraphBuilder b;
  ir::Value* x = b.input("x", {2, 7, 13});
  ir::Value* w = b.constant("w", random_tensor({13, 9}, 8));
  ir::Value* bias = b.constant("b", random_tensor({9}, 9));
  ir::Value* y = b.node("Add", {b.node("MatMul", {x, w}), bias});
  b.output(b.node("Relu", {y}));
  auto g = b.finish();
  auto run = expect_matches_reference(*g, GetParam());
  if (run) {
    EXPECT_EQ(count_kernel(*run->plan, "cublaslt.matmul"), 1);
  }
}

// An encoder layer's Q and K projections of (x + position embedding): the constant offset moves
// into the GEMMs' addend (matmul_addend.h), so no elementwise launch is left.
TEST_P(CudaKernels, PositionOffsetFoldsIntoProjectionAddend) {
  SKIP_WITHOUT_CUDA();
  GraphBuilder b;
  ir::Value* x = b.input("x", {37, 48});
  ir::Value* pos = b.constant("pos", random_tensor({37, 48}, 41));
  ir::Value* xp = b.node("Add", {x, pos});
  ir::Value* wq = b.constant("wq", random_tensor({24, 48}, 42, -0.2f, 0.2f));
  ir::Value* bq = b.constant("bq", random_tensor({24}, 43));
  ir::Value* wk = b.constant("wk", random_tensor({48, 24}, 44, -0.2f, 0.2f));
  b.output(b.node("Gemm", {xp, wq, bq}, {{"transB", int_attr(1)}, {"alpha", float_attr(0.5f)}}));
  b.output(b.node("MatMul", {xp, wk}));
  auto g = b.finish();
  auto run = expect_matches_reference(*g, GetParam());
  if (run) {
    EXPECT_EQ(count_kernel(*run->plan, "cublaslt.matmul"), 2);
    EXPECT_EQ(count_kernel(*run->plan, "actrt.eltwise_chain"), 0);
  }
}

TEST_P(CudaKernels, GemmTransB) {
  SKIP_WITHOUT_CUDA();
  GraphBuilder b;
  ir::Value* x = b.input("x", {5, 33});
  ir::Value* w = b.constant("w", random_tensor({17, 33}, 10));
  ir::Value* c = b.constant("c", random_tensor({17}, 11));
  b.output(b.node("Gemm", {x, w, c},
                  {{"transB", int_attr(1)}, {"alpha", float_attr(0.5f)}, {"beta", float_attr(2.0f)}}));
  auto g = b.finish();
  expect_matches_reference(*g, GetParam());
}

TEST_P(CudaKernels, BatchedMatMul) {
  SKIP_WITHOUT_CUDA();
  GraphBuilder b;
  ir::Value* a = b.input("a", {3, 11, 21});
  ir::Value* c = b.input("c", {3, 21, 6});
  b.output(b.node("MatMul", {a, c}));
  auto g = b.finish();
  expect_matches_reference(*g, GetParam());
}

// MatMul(Q, Transpose(K)) * scale -> Softmax -> MatMul(., V), head dim 64 (flash kernel in
// FP16) with key counts that are not multiples of the 64-key tile.
void attention_case(Mode mode, int64_t batch, int64_t sq, int64_t sk, int64_t d) {
  GraphBuilder b;
  ir::Value* q = b.input("q", {batch, sq, d});
  ir::Value* k = b.input("k", {batch, sk, d});
  ir::Value* v = b.input("v", {batch, sk, d});
  ir::Value* kt = b.node("Transpose", {k}, {{"perm", ints({0, 2, 1})}});
  ir::Value* s = b.node("MatMul", {q, kt});
  ir::Value* scale = b.constant("scale", Tensor::from_vector(DataType::kFloat32, {},
                                                             std::vector<float>{0.125f}));
  ir::Value* p = b.node("Softmax", {b.node("Mul", {s, scale})}, {{"axis", int_attr(-1)}});
  b.output(b.node("MatMul", {p, v}));
  auto g = b.finish();
  auto run = expect_matches_reference(*g, mode);
  if (run) {
    EXPECT_EQ(count_kernel(*run->plan, mode == Mode::kFp16 && d == 64
                                           ? "actrt.flash_attention_f16"
                                           : "cublaslt.attention_softmax"),
              1);
  }
}

TEST_P(CudaKernels, AttentionHead64) {
  SKIP_WITHOUT_CUDA();
  attention_case(GetParam(), 3, 70, 150, 64);
  attention_case(GetParam(), 2, 100, 37, 64);
}

// PyTorch's multi-head attention as exported: projections [S, E] viewed as [S, H, 64] and
// transposed per head (K to [H, 64, S]), the result transposed back to [S, H, 64]. In FP16 the
// flash kernel reads and writes the sequence-major data in place: no Transpose is left.
TEST_P(CudaKernels, MultiHeadAttentionSequenceMajor) {
  SKIP_WITHOUT_CUDA();
  const int64_t sq = 77, sk = 130, h = 3, d = 64;
  GraphBuilder b;
  ir::Value* q = b.input("q", {sq, h * d});
  ir::Value* k = b.input("k", {sk, h * d});
  ir::Value* v = b.input("v", {sk, h * d});
  auto heads = [&](ir::Value* x, int64_t s, std::vector<int64_t> perm) {
    ir::Value* shape = b.constant("shape" + std::to_string(s) + x->name(),
                                  Tensor::from_vector(DataType::kInt64, {3},
                                                      std::vector<int64_t>{s, h, d}));
    return b.node("Transpose", {b.node("Reshape", {x, shape})}, {{"perm", ints(perm)}});
  };
  ir::Value* qh = heads(q, sq, {1, 0, 2});
  ir::Value* kh = heads(k, sk, {1, 2, 0});
  ir::Value* vh = heads(v, sk, {1, 0, 2});
  ir::Value* scale = b.constant("scale", Tensor::from_vector(DataType::kFloat32, {},
                                                             std::vector<float>{0.125f}));
  ir::Value* p = b.node("Softmax", {b.node("MatMul", {b.node("Mul", {qh, scale}), kh})},
                        {{"axis", int_attr(-1)}});
  ir::Value* o = b.node("Transpose", {b.node("MatMul", {p, vh})}, {{"perm", ints({1, 0, 2})}});
  ir::Value* flat = b.constant("flat", Tensor::from_vector(DataType::kInt64, {2},
                                                           std::vector<int64_t>{sq, h * d}));
  b.output(b.node("Reshape", {o, flat}));
  auto g = b.finish();
  auto run = expect_matches_reference(*g, GetParam());
  if (run && GetParam() == Mode::kFp16) {
    EXPECT_EQ(count_kernel(*run->plan, "actrt.flash_attention_f16"), 1);
    int transposes = 0;
    for (const auto& n : run->plan->graph->nodes()) transposes += n->op_type() == "Transpose";
    EXPECT_EQ(transposes, 0);
  }
}

// Self-attention whose Q, K and V are projections of the same tokens (V without bias): in FP16
// the three GEMMs become one [S, 3 E] GEMM that the flash kernel reads at head offsets
// (qkv_merge.h).
TEST_P(CudaKernels, SelfAttentionProjectionsShareOneGemm) {
  SKIP_WITHOUT_CUDA();
  const int64_t s = 70, h = 2, d = 64, e = h * d;
  GraphBuilder b;
  ir::Value* x = b.input("x", {s, e});
  auto project = [&](const char* name, uint32_t seed, bool bias, std::vector<int64_t> perm) {
    ir::Value* w = b.constant(std::string("w") + name, random_tensor({e, e}, seed, -0.1f, 0.1f));
    ir::Value* y = b.node("MatMul", {x, w});
    if (bias) y = b.node("Add", {y, b.constant(std::string("b") + name, random_tensor({e}, seed + 1))});
    ir::Value* shape = b.constant(std::string("shape") + name,
                                  Tensor::from_vector(DataType::kInt64, {3},
                                                      std::vector<int64_t>{s, h, d}));
    return b.node("Transpose", {b.node("Reshape", {y, shape})}, {{"perm", ints(perm)}});
  };
  ir::Value* q = project("q", 51, true, {1, 0, 2});
  ir::Value* k = project("k", 53, true, {1, 2, 0});
  ir::Value* v = project("v", 55, false, {1, 0, 2});
  ir::Value* scale = b.constant("scale", Tensor::from_vector(DataType::kFloat32, {},
                                                             std::vector<float>{0.125f}));
  ir::Value* p = b.node("Softmax", {b.node("MatMul", {b.node("Mul", {q, scale}), k})},
                        {{"axis", int_attr(-1)}});
  ir::Value* o = b.node("Transpose", {b.node("MatMul", {p, v})}, {{"perm", ints({1, 0, 2})}});
  ir::Value* flat = b.constant("flat", Tensor::from_vector(DataType::kInt64, {2},
                                                           std::vector<int64_t>{s, e}));
  b.output(b.node("Reshape", {o, flat}));
  auto g = b.finish();
  auto run = expect_matches_reference(*g, GetParam());
  if (run && GetParam() == Mode::kFp16) {
    EXPECT_EQ(count_kernel(*run->plan, "cublaslt.matmul"), 1);
    EXPECT_EQ(count_kernel(*run->plan, "actrt.flash_attention_f16"), 1);
  }
}

TEST_P(CudaKernels, AttentionOtherHeadSize) {
  SKIP_WITHOUT_CUDA();
  attention_case(GetParam(), 2, 9, 13, 24);
}

TEST_P(CudaKernels, LayerNormWithResidual) {
  SKIP_WITHOUT_CUDA();
  // 512 and 768 take the vectorized FP16 kernel (with and without a residual), 37 and 1500 the
  // generic one; 37 has a constant residual (ACT's decoder layer 0).
  for (int64_t cols : {512, 37, 1500, 768}) {
    GraphBuilder b;
    ir::Value* x = b.input("x", {5, cols});
    ir::Value* in = x;
    if (cols != 768) {
      ir::Value* r = cols == 37 ? b.constant("r", random_tensor({5, cols}, 14)) : b.input("r", {5, cols});
      in = b.node("Add", {x, r});
    }
    ir::Value* g1 = b.constant("g", random_tensor({cols}, 12));
    ir::Value* b1 = b.constant("b", random_tensor({cols}, 13));
    b.output(b.node("LayerNormalization", {in, g1, b1},
                    {{"axis", int_attr(-1)}, {"epsilon", float_attr(1e-5f)}}));
    auto g = b.finish();
    auto run = expect_matches_reference(*g, GetParam());
    if (run) {
      EXPECT_EQ(count_kernel(*run->plan, "actrt.layer_norm"), 1);
      EXPECT_EQ(count_kernel(*run->plan, "actrt.eltwise_chain"), 0);
    }
  }
}

TEST_P(CudaKernels, Softmax) {
  SKIP_WITHOUT_CUDA();
  GraphBuilder b;
  ir::Value* x = b.input("x", {2, 3, 901});
  b.output(b.node("Softmax", {x}, {{"axis", int_attr(-1)}}));
  auto g = b.finish();
  auto run = expect_matches_reference(*g, GetParam());
  if (run) {
    EXPECT_EQ(count_kernel(*run->plan, "actrt.softmax"), 1);
  }
}

TEST_P(CudaKernels, EltwiseChainWithBroadcast) {
  SKIP_WITHOUT_CUDA();
  GraphBuilder b;
  ir::Value* x = b.input("x", {1, 3, 3, 9, 11});
  ir::Value* mean = b.constant("mean", random_tensor({3, 1, 1}, 14));
  ir::Value* stdv = b.constant("std", random_tensor({3, 1, 1}, 15, 0.5f, 1.0f));
  ir::Value* y = b.node("Div", {b.node("Sub", {x, mean}), stdv});
  ir::Value* z = b.input("z", {11});
  b.output(b.node("Tanh", {b.node("Relu", {b.node("Add", {y, z})})}));
  auto g = b.finish();
  auto run = expect_matches_reference(*g, GetParam());
  if (run) {
    EXPECT_EQ(count_kernel(*run->plan, "actrt.eltwise_chain"), 1);
  }
}

TEST_P(CudaKernels, DataMovement) {
  SKIP_WITHOUT_CUDA();
  GraphBuilder b;
  ir::Value* x = b.input("x", {3, 5, 7});
  ir::Value* y = b.input("y", {3, 2, 7});
  ir::Value* t = b.node("Transpose", {x}, {{"perm", ints({2, 0, 1})}});  // 7x3x5
  ir::Value* cat = b.node("Concat", {x, y}, {{"axis", int_attr(1)}});    // 3x7x7
  auto i64 = [&](std::vector<int64_t> v) {
    return b.constant("c", Tensor::from_vector(DataType::kInt64, {int64_t(v.size())}, v));
  };
  ir::Value* sl = b.node("Slice", {cat, i64({1, 6}), i64({3, 0}), i64({1, 2}), i64({1, -2})});
  ir::Value* ga = b.node("Gather", {t, i64({6, 0, -1})}, {{"axis", int_attr(0)}});
  ir::Value* rs = b.node("Reshape", {ga, i64({9, 5})});
  b.output(sl);
  b.output(rs);
  b.output(b.node("Expand", {y, i64({2, 3, 2, 7})}));
  auto g = b.finish();
  expect_matches_reference(*g, GetParam());
}

TEST_P(CudaKernels, HostFallbackRunsInsideTheGraph) {
  SKIP_WITHOUT_CUDA();
  GraphBuilder b;
  ir::Value* x = b.input("x", {4, 9});
  // Opset 17: ReduceMean takes its axes as an attribute.
  ir::Value* m = b.node("ReduceMean", {b.node("Relu", {x})},
                        {{"axes", ints({1})}, {"keepdims", int_attr(1)}});
  b.output(b.node("Sub", {x, m}));
  auto g = b.finish();
  auto run = expect_matches_reference(*g, GetParam());
  if (run) {
    EXPECT_EQ(count_kernel(*run->plan, "host.reference"), 1);
  }
}

TEST(CudaBackendTest, UnavailableWithoutGpuSaysWhy) {
  const runtime::Backend* be = runtime::find_backend(BackendKind::kCuda);
  ASSERT_NE(be, nullptr);
  Status s = be->available();
  if (s.ok()) {
    // "sm_90;cudnn=9.19.0;cublasLt=13.0.2" (cuda_target.h): the architecture and the versions.
    const std::string here = be->current_target();
    EXPECT_EQ(here.rfind("sm_", 0), 0u) << here;
    EXPECT_NE(here.find(";cudnn="), std::string::npos) << here;
    EXPECT_NE(here.find(";cublasLt="), std::string::npos) << here;
    EXPECT_TRUE(be->check_target(here).ok());
    const std::string arch = here.substr(0, here.find(';'));
    EXPECT_TRUE(be->check_target(arch).ok()) << "an engine from before versions were recorded";
    const Status other = be->check_target("sm_52");  // Maxwell: never the test GPU
    EXPECT_EQ(other.code(), StatusCode::kVersionMismatch) << other.to_string();
    EXPECT_NE(other.message().find("built for sm_52"), std::string::npos) << other.message();
    EXPECT_NE(other.message().find("this machine is " + arch), std::string::npos) << other.message();
    EXPECT_FALSE(be->check_target("sm_00").ok());  // malformed
  } else {
    EXPECT_EQ(s.code(), StatusCode::kDeviceError);
    EXPECT_NE(s.message().find("no CUDA device"), std::string::npos) << s.message();
  }
}

// memory_usage() (runtime/backend.h) of a CUDA context: the weights uploaded once each, the arena,
// the cuBLASLt / cuDNN workspace and the pinned staging of the input and output.
TEST(CudaBackendTest, MemoryUsageCountsWhatTheContextAllocated) {
  SKIP_WITHOUT_CUDA();
  GraphBuilder b;
  ir::Value* x = b.input("x", {2, 48});
  ir::Value* h = b.node("Relu", {b.node("MatMul", {x, b.constant("w0", random_tensor({48, 48}, 2))})});
  ir::Value* w = b.constant("w", random_tensor({48, 40}, 1));  // used by both products below
  b.output(b.node("Add", {b.node("MatMul", {h, w}), b.node("MatMul", {b.node("Sigmoid", {h}), w})}));
  auto g = b.finish();
  auto run = build_cuda(*g, Mode::kFp32);
  ASSERT_TRUE(run);
  const runtime::MemoryUsage m = run->ctx->memory_usage();
  // FP32 weights, 48x48 and 48x40 floats: at least those, at most twice (a backend pass may make
  // a copy per use, e.g. transposed; the context must not upload more than the plan holds).
  const size_t plan_weights = (48u * 48 + 48 * 40) * sizeof(float);
  EXPECT_GE(m.device_weights, plan_weights);
  EXPECT_LE(m.device_weights, 2 * plan_weights);
  EXPECT_GT(m.device_activations, 0u);
  EXPECT_EQ(m.device_workspace, cuda::kLtWorkspaceBytes);
  EXPECT_GE(m.host_staging, (2u * 48 + 2 * 40) * sizeof(float));  // input + output, pinned
  EXPECT_EQ(m.host_packed_weights, 0u);
  EXPECT_EQ(m.host_activations, 0u);
  EXPECT_EQ(m.device_total(),
            m.device_weights + m.device_activations + m.device_workspace + m.device_other);
  std::printf("[memory] weights %zu, arena %zu, workspace %zu, other %zu, handles %zu, staging %zu\n",
              m.device_weights, m.device_activations, m.device_workspace, m.device_other,
              m.device_libraries, m.host_staging);
}

}  // namespace
}  // namespace actrt::cuda_test
