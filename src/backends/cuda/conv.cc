#include "backends/cuda/conv.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <vector>

#include "backends/cuda/cuda_check.h"

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
  // Scratch buffers with non-zero data (zeros can run faster than real data).
  void *x = nullptr, *w = nullptr, *y = nullptr, *b = nullptr, *z = nullptr, *ws = nullptr;
  cudaEvent_t e0 = nullptr, e1 = nullptr;
  auto cleanup = [&] {
    for (void* p : {x, w, y, b, z, ws})
      if (p) cudaFree(p);
    if (e0) cudaEventDestroy(e0);
    if (e1) cudaEventDestroy(e1);
  };
  auto alloc = [&](void** p, size_t bytes) -> Status {
    CUDA_RETURN_IF_ERROR(cudaMalloc(p, std::max<size_t>(bytes, 256)), name_ + " tuning");
    CUDA_RETURN_IF_ERROR(cudaMemset(*p, 0x2c, bytes), name_ + " tuning");
    return ok_status();
  };
  Status st = alloc(&x, x_bytes_);
  if (st.ok()) st = alloc(&w, w_bytes_);
  if (st.ok()) st = alloc(&y, y_bytes_);
  if (st.ok()) st = alloc(&b, b_bytes_);
  if (st.ok() && has_z_) st = alloc(&z, y_bytes_);
  if (st.ok()) st = cuda_status(cudaEventCreate(&e0), "cudaEventCreate", name_);
  if (st.ok()) st = cuda_status(cudaEventCreate(&e1), "cudaEventCreate", name_);
  if (!st.ok()) {
    cleanup();
    return st;
  }
  cudaStream_t stream = nullptr;
  cudnnGetStream(h, &stream);
  int best = -1;
  double best_time = 1e30;
  size_t ws_size = 0;
  std::string refusals;
  for (int algo : candidates) {
    auto need = workspace_bytes(h, algo);
    if (!need.ok() || *need > max_workspace) continue;
    if (*need > ws_size) {
      if (ws) cudaFree(ws);
      ws = nullptr;
      if (cudaMalloc(&ws, *need) != cudaSuccess) {
        cudaGetLastError();
        ws_size = 0;
        continue;
      }
      ws_size = *need;
    }
    Status r = run(h, algo, x, w, b, z, y, ws, ws_size);
    if (!r.ok()) {
      refusals += " " + std::to_string(algo) + ": " + r.message() + ";";
      continue;
    }
    if (deterministic) {
      best = algo;
      break;
    }
    constexpr int kReps = 5;
    cudaEventRecord(e0, stream);
    for (int i = 0; i < kReps; ++i) (void)run(h, algo, x, w, b, z, y, ws, ws_size);
    cudaEventRecord(e1, stream);
    if (cudaEventSynchronize(e1) != cudaSuccess) continue;
    float ms = 0;
    cudaEventElapsedTime(&ms, e0, e1);
    if (ms / kReps < best_time) {
      best_time = ms / kReps;
      best = algo;
    }
  }
  st = cuda_status(cudaStreamSynchronize(stream), "cudaStreamSynchronize", name_ + " tuning");
  cleanup();
  RETURN_IF_ERROR(st);
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
