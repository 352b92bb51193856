// The steps a CudaContext runs (context.h): one per plan node that does work, each holding the
// device pointers and descriptors it was built with (CudaContext::build), so that run() only
// enqueues. Kernels are in kernels.h and the *_kernels.cu files; cuDNN and cuBLASLt calls in
// conv.h, conv_graph.h, winograd.h and matmul.h.
#pragma once

#include <cuda_runtime.h>

#include <cstring>
#include <string>
#include <vector>

#include "backends/cuda/context.h"
#include "backends/cuda/conv.h"
#include "backends/cuda/conv_graph.h"
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/kernels.h"
#include "backends/cuda/matmul.h"
#include "backends/cuda/winograd.h"
#include "backends/reference/executor.h"
#include "core/half.h"

namespace actrt::cuda {

class CopyStep : public Step {
 public:
  struct Part {
    const void* in;
    void* out;
    StridedCopy d;
  };
  std::vector<Part> parts;
  size_t elem = 4;
  Status run(const RunEnv& env) override {
    for (const Part& p : parts)
      CUDA_RETURN_IF_ERROR(launch_strided_copy(p.in, p.out, p.d, elem, env.stream), name);
    return ok_status();
  }
};

class GatherStep : public Step {
 public:
  const void* data = nullptr;
  const int64_t* idx = nullptr;
  void* out = nullptr;
  int64_t outer = 0, axis = 0, n = 0, inner = 0;
  size_t elem = 4;
  Status run(const RunEnv& env) override {
    CUDA_RETURN_IF_ERROR(launch_gather(data, idx, out, outer, axis, n, inner, elem, env.stream),
                         name);
    return ok_status();
  }
};

class CastStep : public Step {
 public:
  const void* in = nullptr;
  void* out = nullptr;
  DataType in_type = DataType::kFloat32, out_type = DataType::kFloat32;
  int64_t n = 0;
  Status run(const RunEnv& env) override {
    CUDA_RETURN_IF_ERROR(launch_cast(in, in_type, out, out_type, n, env.stream), name);
    return ok_status();
  }
};

// ONNX QuantizeLinear / DequantizeLinear with a constant per-tensor scale (int8 zero point).
class QuantizeStep : public Step {
 public:
  const void* in = nullptr;
  void* out = nullptr;
  bool dequantize = false;
  bool float_half = false;  // the floating-point side is FP16
  int64_t n = 0;
  float scale = 1;
  int zero_point = 0;
  Status run(const RunEnv& env) override {
    CUDA_RETURN_IF_ERROR(
        dequantize ? launch_dequantize_int8(static_cast<const int8_t*>(in), out, float_half, n,
                                            scale, zero_point, env.stream)
                   : launch_quantize_int8(in, float_half, static_cast<int8_t*>(out), n, scale,
                                          zero_point, env.stream),
        name);
    return ok_status();
  }
};

class EltwiseStep : public Step {
 public:
  const void* x = nullptr;
  std::vector<const void*> operands;
  void* y = nullptr;
  int64_t n = 0;
  EltwiseChain chain;
  bool x_half = false, y_half = false;
  Status run(const RunEnv& env) override {
    CUDA_RETURN_IF_ERROR(
        launch_eltwise_chain(x, operands.data(), y, n, chain, x_half, y_half, env.stream), name);
    return ok_status();
  }
};

class LayerNormStep : public Step {
 public:
  const void *x = nullptr, *r = nullptr;
  const float *gamma = nullptr, *beta = nullptr;
  void* y = nullptr;
  int64_t rows = 0, cols = 0;
  float eps = 1e-5f;
  bool half = false;
  Status run(const RunEnv& env) override {
    CUDA_RETURN_IF_ERROR(
        launch_layer_norm(x, r, gamma, beta, y, rows, cols, eps, half, env.stream), name);
    return ok_status();
  }
};

class SoftmaxStep : public Step {
 public:
  const void* x = nullptr;
  void* y = nullptr;
  int64_t rows = 0, cols = 0;
  bool half = false;
  Status run(const RunEnv& env) override {
    CUDA_RETURN_IF_ERROR(launch_softmax(x, y, rows, cols, 1.0f, half, env.stream), name);
    return ok_status();
  }
};

class PoolStep : public Step {
 public:
  const void* x = nullptr;
  void* y = nullptr;
  PoolNhwc p{};
  bool half = false;
  Status run(const RunEnv& env) override {
    CUDA_RETURN_IF_ERROR(launch_maxpool_nhwc(x, y, p, half, env.stream), name);
    return ok_status();
  }
};

// A CudaConv: through cuDNN's graph API when the builder chose a graph tactic, our Winograd
// path when it chose that, else the legacy fused call with the chosen algorithm (conv.h,
// conv_graph.h, winograd.h).
class ConvStep : public Step {
 public:
  CudnnConv conv;
  CudnnGraphConv graph_conv;
  WinogradConv winograd;
  bool use_graph = false, use_winograd = false;
  int algo = 0;
  size_t ws_need = 0;
  ConvOperands o;
  Status run(const RunEnv& env) override {
    if (use_graph) return graph_conv.run(o, env.workspace);
    if (use_winograd)
      return winograd.run(env.lt, o, env.workspace, env.workspace_bytes, env.stream);
    return conv.run(env.cudnn, algo, o.x, o.w, o.bias, o.z, o.y, env.workspace,
                    env.workspace_bytes);
  }
};

class MatMulStep : public Step {
 public:
  LtGemm gemm;
  const void *a = nullptr, *b = nullptr, *bias = nullptr;
  void* c = nullptr;
  // INT8 products (int8_lowering.h): int32 accumulators into `acc` (arena scratch), then
  // c = act(acc * scale[col] + bias[col]).
  bool int8 = false, relu = false, y_half = false;
  int32_t* acc = nullptr;
  const float* scale = nullptr;
  int64_t rows = 0, cols = 0;
  Status run(const RunEnv& env) override {
    if (!int8) return gemm.run(env.lt, a, b, bias, c, env.workspace, env.workspace_bytes, env.stream);
    RETURN_IF_ERROR(gemm.run(env.lt, a, b, nullptr, acc, env.workspace, env.workspace_bytes,
                             env.stream));
    CUDA_RETURN_IF_ERROR(launch_dequantize_columns(acc, scale, static_cast<const float*>(bias),
                                                   relu, c, y_half, rows, cols, env.stream),
                         name);
    return ok_status();
  }
};

class AttentionStep : public Step {
 public:
  bool flash = false;
  const void *q = nullptr, *k = nullptr, *v = nullptr;
  void* o = nullptr;
  void* scores = nullptr;  // scratch: the score matrix (cuBLASLt path) or split-K partials (flash)
  AttentionGeometry geo;
  int64_t splits = 1;  // flash: key chunks run by separate blocks (kernels.h)
  float scale = 1.0f;
  bool half = false;
  LtGemm qk, pv;
  Status run(const RunEnv& env) override {
    const int64_t batch = geo.batch, sq = geo.sq, sk = geo.sk;
    if (flash) {
      CUDA_RETURN_IF_ERROR(launch_flash_attention_f16(q, k, v, o, batch, sq, sk, geo.d, scale,
                                                      geo.strides, splits, scores, env.stream),
                           name);
      return ok_status();
    }
    RETURN_IF_ERROR(qk.run(env.lt, q, k, nullptr, scores, env.workspace, env.workspace_bytes,
                           env.stream));
    CUDA_RETURN_IF_ERROR(launch_softmax(scores, scores, batch * sq, sk, 1.0f, half, env.stream),
                         name);
    return pv.run(env.lt, scores, v, nullptr, o, env.workspace, env.workspace_bytes, env.stream);
  }
};

// Any node without a CUDA kernel: download its inputs, run the reference kernel on the host
// inside a stream callback (capturable in a CUDA graph), upload its outputs. Correct, slow.
class HostStep : public Step {
 public:
  struct In {
    const void* device = nullptr;  // runtime value
    const Tensor* constant = nullptr;
    DataType dtype = DataType::kUndefined;  // as stored on the device
    Shape shape;
    void* pinned = nullptr;
    size_t bytes = 0;
  };
  struct Out {
    void* device = nullptr;
    DataType dtype = DataType::kUndefined;
    void* pinned = nullptr;
    size_t bytes = 0;
  };
  std::vector<In> ins;  // one per node input slot (absent: constant == nullptr && !device)
  std::vector<Out> outs;
  ir::Graph shadow;  // the node with FP16 values widened to FP32
  const ir::Node* node = nullptr;
  int64_t opset = 17;
  Status status;

  ~HostStep() override {
    for (auto& i : ins)
      if (i.pinned) cudaFreeHost(i.pinned);
    for (auto& o : outs)
      if (o.pinned) cudaFreeHost(o.pinned);
  }

  Status run(const RunEnv& env) override {
    for (const In& i : ins)
      if (i.device)
        CUDA_RETURN_IF_ERROR(
            cudaMemcpyAsync(i.pinned, i.device, i.bytes, cudaMemcpyDeviceToHost, env.stream), name);
    CUDA_RETURN_IF_ERROR(cudaLaunchHostFunc(env.stream, &HostStep::callback, this), name);
    for (const Out& o : outs)
      if (o.device && o.bytes)
        CUDA_RETURN_IF_ERROR(
            cudaMemcpyAsync(o.device, o.pinned, o.bytes, cudaMemcpyHostToDevice, env.stream), name);
    return ok_status();
  }
  Status host_status() const override { return status; }

 private:
  static void CUDART_CB callback(void* self) {
    auto* s = static_cast<HostStep*>(self);
    s->status = s->execute();
  }
  Status execute() {
    std::vector<Tensor> tensors(ins.size());
    std::vector<const Tensor*> ptrs(ins.size(), nullptr);
    for (size_t i = 0; i < ins.size(); ++i) {
      const In& in = ins[i];
      if (in.constant) {
        tensors[i] = in.constant->dtype() == DataType::kFloat16 ? in.constant->to_float32()
                                                                : *in.constant;
      } else if (in.device) {
        Tensor t(in.dtype, in.shape);
        std::memcpy(t.raw_data(), in.pinned, in.bytes);
        tensors[i] = in.dtype == DataType::kFloat16 ? t.to_float32() : t;
      } else {
        continue;
      }
      ptrs[i] = &tensors[i];
    }
    auto r = reference::evaluate_node(*node, ptrs, opset);
    if (!r.ok()) return r.status().with_context("host fallback of " + name);
    for (size_t i = 0; i < outs.size() && i < r->size(); ++i) {
      const Out& o = outs[i];
      if (!o.pinned) continue;
      const Tensor& t = (*r)[i];
      if (o.dtype == DataType::kFloat16 && t.dtype() == DataType::kFloat32) {
        const float* s = t.data<float>();
        uint16_t* d = static_cast<uint16_t*>(o.pinned);
        for (int64_t k = 0; k < t.numel(); ++k) d[k] = float_to_fp16(s[k]);
      } else if (t.nbytes() == o.bytes) {
        std::memcpy(o.pinned, t.raw_data(), o.bytes);
      } else {
        return internal_error("host fallback of " + name + ": output " + std::to_string(i) +
                              " has " + std::to_string(t.nbytes()) + " bytes, expected " +
                              std::to_string(o.bytes));
      }
    }
    return ok_status();
  }

 public:
  static void CUDART_CB noop(void*) {}
};

}  // namespace actrt::cuda
