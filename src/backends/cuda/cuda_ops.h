// The backend-fused ops (domain runtime::kFusedDomain) that the CUDA backend's compile() writes
// into a plan. Layout: values feeding / produced by CudaConv and CudaMaxPool are NHWC (their
// IR shape says so: [N, H, W, C]); ONNX Transpose nodes convert at the region boundaries.
//
//   CudaConv(X, W, B, [Z])   X NHWC; W [M, kH, kW, C/group] (KRSC); B [M] (always present);
//                            y = act(conv(X, W) + B + Z), act = ReLU when relu=1.
//                            Attributes: strides, pads (ONNX order), dilations, group, relu,
//                            tactic (cuDNN graph-API engine configuration, conv_graph.h;
//                            "wino4x4;lt=<i>": Winograd, winograd.h, and then W is the
//                            transformed FP32 [36, C, M]; empty: the legacy fused call), algo
//                            (its cudnnConvolutionFwdAlgo_t, -1 = choose when the context is
//                            created), algo_timed (1: timed). conv_choice.h picks at build time.
//   CudaMaxPool(X)           X NHWC; kernel_shape, strides, pads, dilations.
//   CudaMatMul(A, B, [C])    Y = alpha * A @ B' + C (ReLU when relu=1). A [..., M, K] runtime.
//                            B constant [K, N] (trans_b=0) or [N, K] (trans_b=1): rows of A are
//                            all its leading dims; or B runtime [batch..., K, N] with batch
//                            dims equal to A's (batched). C: constant bias [N] (beta folded),
//                            or a constant addend [M, N] (matmul_addend.h).
//   CudaAttention(Q, K, V)   softmax(scale * Q @ K^T) @ V over [batch..., S, D];
//                            k_transposed=1 when K is already [..., D, Sk]; layouts = [q, k, v,
//                            o] head- or sequence-major (attention_layout.h).
//   CudaLayerNorm(X, R, G, B) y = LayerNorm(X + R) over the last axis (R may be absent);
//                            G and B stay FP32 in every precision. Attribute epsilon.
//   CudaEltwise(X, O1, ...)  y = op_n(... op_1(X, O_a) ...); X has y's shape, operands
//                            broadcast to it. Attributes ops (EltOp codes, kernels.h), operand
//                            (input index or -1), reversed (1: operand on the left); optional
//                            perm: y = Transpose(chain, perm) instead (eltwise_chain.h), and X
//                            may be of the other float dtype (a folded Cast).
//   CudaCopy(S1, ...)        y assembled from strided pieces of the sources (attribute pieces,
//                            copy_fusion.h): a chain of Transpose / Slice / Reshape / Concat.
#pragma once

namespace actrt::cuda {

inline constexpr const char* kCudaConv = "CudaConv";
inline constexpr const char* kCudaMaxPool = "CudaMaxPool";
inline constexpr const char* kCudaMatMul = "CudaMatMul";
inline constexpr const char* kCudaAttention = "CudaAttention";
inline constexpr const char* kCudaLayerNorm = "CudaLayerNorm";
inline constexpr const char* kCudaEltwise = "CudaEltwise";
inline constexpr const char* kCudaCopy = "CudaCopy";

}  // namespace actrt::cuda
