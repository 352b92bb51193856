#include "backends/cuda/conv.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <vector>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/tactic_timer.h"

namespace actrt::cuda {

namespace {

cudnnDataType_t cudnn_type(DataType t) {
  return t == DataType::kFloat16 ? CUDNN_DATA_HALF : CUDNN_DATA_FLOAT;
}

}  // namespace

CudnnConv::~CudnnConv() {
  if (x_) cudnnDestroyTensorDescriptor(x_);
  if (y_) cudnnDestroyTensorDescriptor(y_);
  if (b_) cudnnDestroyTensorDescriptor(b_);
  if (w_) cudnnDestroyFilterDescriptor(w_);
  if (conv_) cudnnDestroyConvolutionDescriptor(conv_);
  if (act_) cudnnDestroyActivationDescriptor(act_);
}

Status CudnnConv::init(const ir::Node& node, Precision precision) {
  name_ = "CudaConv '" + node.name() + "'";
  const ir::Value* x = node.input(0);
  const ir::Value* w = node.input(1);
  const ir::Value* y = node.output(0);
  const Shape& xs = x->shape();  // NHWC
  const Shape& ws = w->shape();  // KRSC
  const Shape& ys = y->shape();  // NHWC
  const DataType dt = x->dtype();
  const size_t es = dtype_size(dt);
  x_bytes_ = shape_numel(xs) * es;
  w_bytes_ = shape_numel(ws) * es;
  y_bytes_ = shape_numel(ys) * es;
  b_bytes_ = ws[0] * es;
  relu_ = node.attr_int("relu", 0).value() != 0;
  has_z_ = node.input(3) != nullptr;
  ASSIGN_OR_RETURN(auto strides, node.attr_ints("strides", {1, 1}));
  ASSIGN_OR_RETURN(auto pads, node.attr_ints("pads", {0, 0, 0, 0}));
  ASSIGN_OR_RETURN(auto dil, node.attr_ints("dilations", {1, 1}));
  ASSIGN_OR_RETURN(int64_t group, node.attr_int("group", 1));
  const cudnnDataType_t t = cudnn_type(dt);
  CUDNN_RETURN_IF_ERROR(cudnnCreateTensorDescriptor(&x_), name_);
  CUDNN_RETURN_IF_ERROR(cudnnCreateTensorDescriptor(&y_), name_);
  CUDNN_RETURN_IF_ERROR(cudnnCreateTensorDescriptor(&b_), name_);
  CUDNN_RETURN_IF_ERROR(cudnnCreateFilterDescriptor(&w_), name_);
  CUDNN_RETURN_IF_ERROR(cudnnCreateConvolutionDescriptor(&conv_), name_);
  CUDNN_RETURN_IF_ERROR(cudnnCreateActivationDescriptor(&act_), name_);
  CUDNN_RETURN_IF_ERROR(cudnnSetTensor4dDescriptor(x_, CUDNN_TENSOR_NHWC, t, int(xs[0]),
                                                   int(xs[3]), int(xs[1]), int(xs[2])),
                        name_);
  CUDNN_RETURN_IF_ERROR(cudnnSetTensor4dDescriptor(y_, CUDNN_TENSOR_NHWC, t, int(ys[0]),
                                                   int(ys[3]), int(ys[1]), int(ys[2])),
                        name_);
  CUDNN_RETURN_IF_ERROR(
      cudnnSetTensor4dDescriptor(b_, CUDNN_TENSOR_NCHW, t, 1, int(ws[0]), 1, 1), name_);
  CUDNN_RETURN_IF_ERROR(cudnnSetFilter4dDescriptor(w_, t, CUDNN_TENSOR_NHWC, int(ws[0]),
                                                   int(ws[3]), int(ws[1]), int(ws[2])),
                        name_);
  // FP32 and FP16 accumulate in FP32 (FP16 data with FP32 math is cuDNN's PSEUDO_HALF).
  CUDNN_RETURN_IF_ERROR(
      cudnnSetConvolution2dDescriptor(conv_, int(pads[0]), int(pads[1]), int(strides[0]),
                                      int(strides[1]), int(dil[0]), int(dil[1]),
                                      CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
      name_);
  CUDNN_RETURN_IF_ERROR(cudnnSetConvolutionGroupCount(conv_, int(group)), name_);
  // FP32 must not silently use TF32 (cuDNN's default math allows it): FMA math only.
  const cudnnMathType_t math = precision == Precision::kFp32   ? CUDNN_FMA_MATH
                               : precision == Precision::kTf32 ? CUDNN_DEFAULT_MATH
                                                               : CUDNN_TENSOR_OP_MATH;
  CUDNN_RETURN_IF_ERROR(cudnnSetConvolutionMathType(conv_, math), name_);
  CUDNN_RETURN_IF_ERROR(
      cudnnSetActivationDescriptor(act_, relu_ ? CUDNN_ACTIVATION_RELU : CUDNN_ACTIVATION_IDENTITY,
                                   CUDNN_NOT_PROPAGATE_NAN, 0.0),
      name_);
  return ok_status();
}

Result<size_t> CudnnConv::workspace_bytes(cudnnHandle_t h, int algo) const {
  size_t bytes = 0;
  CUDNN_RETURN_IF_ERROR(
      cudnnGetConvolutionForwardWorkspaceSize(h, x_, w_, conv_, y_,
                                              static_cast<cudnnConvolutionFwdAlgo_t>(algo), &bytes),
      name_);
  return bytes;
}

Status CudnnConv::run(cudnnHandle_t h, int algo, const void* x, const void* w, const void* bias,
                      const void* z, void* y, void* workspace, size_t ws_bytes) const {
  const float alpha1 = 1.0f;
  const float alpha2 = z ? 1.0f : 0.0f;
  // Without a residual, z aliases y with alpha2 = 0 (allowed by cuDNN).
  CUDNN_RETURN_IF_ERROR(
      cudnnConvolutionBiasActivationForward(
          h, &alpha1, x_, x, w_, w, conv_, static_cast<cudnnConvolutionFwdAlgo_t>(algo),
          workspace, ws_bytes, &alpha2, y_, z ? z : y, b_, bias, act_, y_, y),
      name_);
  return ok_status();
}

Result<int> CudnnConv::choose_algo(cudnnHandle_t h, bool deterministic, size_t max_workspace,
                                   double* best_ms) const {
  // cuDNN's fused call takes IDENTITY activation only with IMPLICIT_PRECOMP_GEMM.
  std::vector<int> candidates;
  if (!relu_) {
    candidates.push_back(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM);
  } else if (deterministic) {
    int count = 0;
    cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    CUDNN_RETURN_IF_ERROR(cudnnGetConvolutionForwardAlgorithm_v7(
                              h, x_, w_, conv_, y_, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, perf),
                          name_);
    for (int i = 0; i < count; ++i)
      if (perf[i].status == CUDNN_STATUS_SUCCESS) candidates.push_back(int(perf[i].algo));
  } else {
    for (int a = 0; a < CUDNN_CONVOLUTION_FWD_ALGO_COUNT; ++a) candidates.push_back(a);
  }
  TuningScratch scratch(name_);
  ASSIGN_OR_RETURN(void* x, scratch.alloc(x_bytes_));
  ASSIGN_OR_RETURN(void* w, scratch.alloc(w_bytes_));
  ASSIGN_OR_RETURN(void* y, scratch.alloc(y_bytes_));
  ASSIGN_OR_RETURN(void* b, scratch.alloc(b_bytes_));
  void* z = nullptr;
  if (has_z_) {
    ASSIGN_OR_RETURN(z, scratch.alloc(y_bytes_));
  }
  cudaStream_t stream = nullptr;
  cudnnGetStream(h, &stream);
  int best = -1;
  double best_time = 1e30;
  void* ws = nullptr;
  size_t ws_size = 0;
  std::string refusals;
  for (int algo : candidates) {
    auto need = workspace_bytes(h, algo);
    if (!need.ok() || *need > max_workspace) continue;
    if (*need > ws_size) {
      auto grown = scratch.alloc(*need);
      if (!grown.ok()) continue;  // too large for this GPU now: not a candidate
      ws = *grown;
      ws_size = *need;
    }
    // Deterministic builds take the first algorithm that runs, whatever the times say.
    Result<double> ms = time_tactic(
        stream, [&] { return run(h, algo, x, w, b, z, y, ws, ws_size); }, name_);
    if (!ms.ok()) {
      refusals += ' ';  // (appends: GCC 12 -Wrestrict false positive on " " + string)
      refusals += std::to_string(algo) + ": " + ms.status().message() + ";";
      continue;
    }
    if (deterministic) return algo;
    if (*ms < best_time) {
      best_time = *ms;
      best = algo;
    }
  }
  if (best < 0)
    return unsupported(name_ + ": cuDNN accepts no algorithm for this convolution:" + refusals);
  if (best_ms) *best_ms = best_time;
  return best;
}

Result<cudnnHandle_t> build_cudnn_handle() {
  cudnnHandle_t h = nullptr;
  CUDNN_RETURN_IF_ERROR(cudnnCreate(&h), "build-time tuning");
  return h;
}

}  // namespace actrt::cuda
