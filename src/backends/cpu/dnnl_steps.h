// The oneDNN-primitive steps that the FP32 and INT8 kernels share (conv_kernel.cc,
// int8_conv_kernel.cc, matmul_kernel.cc, int8_matmul_kernel.cc): the kernels choose the
// primitive, pack the weights and place the tensors; these bind the arena and run it. `label`
// names the step in errors ("convolution", "int8 matmul").
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <string>
#include <unordered_map>
#include <vector>

#include "backends/cpu/step.h"

namespace actrt::cpu {

// Convolution; a residual, when there is one and it cannot be summed in place, is copied into
// dst first (scaled by res_scale: the copy dequantizes an s8 residual, or quantizes one) and the
// primitive's sum post-op adds the convolution to it.
class DnnlConvStep final : public Step {
 public:
  Status bind(uint8_t* arena, const std::vector<Slot>& slots) override {
    return dnnl_try(label + " " + node_name, [&] {
      src_ = dnnl::memory(pd_.src_desc(), pd_.get_engine(), arena + slots[src_slot_].offset);
      dst_ = dnnl::memory(pd_.dst_desc(), pd_.get_engine(), arena + slots[dst_slot_].offset);
      if (res_slot_ >= 0) {
        res_ = dnnl::memory(res_md_, pd_.get_engine(), arena + slots[res_slot_].offset);
        dnnl::primitive_attr attr;
        if (res_scale_ != 1.0f) attr.set_output_scales(0, {res_scale_});
        res_copy_ = dnnl::reorder(dnnl::reorder::primitive_desc(res_, dst_, attr));
      }
    });
  }
  Status run(const RunEnv& env) override {
    return dnnl_try(label + " " + node_name, [&] {
      if (res_slot_ >= 0) res_copy_.execute(*env.stream, res_, dst_);
      std::unordered_map<int, dnnl::memory> args{
          {DNNL_ARG_SRC, src_}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_DST, dst_}};
      if (bias_) args[DNNL_ARG_BIAS] = bias_;
      prim_.execute(*env.stream, args);
    });
  }

  std::string label = "convolution";
  dnnl::convolution_forward::primitive_desc pd_;
  dnnl::convolution_forward prim_;
  dnnl::memory weights_, bias_;
  int src_slot_ = -1, dst_slot_ = -1;
  int res_slot_ = -1;       // residual copied into dst before the conv (-1: none, or in place)
  float res_scale_ = 1.0f;  // scale of that copy
  dnnl::memory::desc res_md_;
  dnnl::memory src_, dst_, res_;
  dnnl::reorder res_copy_;
};

// Matrix product; weights are packed constants, or (w_slot_ >= 0) a runtime tensor.
class DnnlMatMulStep final : public Step {
 public:
  Status bind(uint8_t* arena, const std::vector<Slot>& slots) override {
    return dnnl_try(label + " " + node_name, [&] {
      src_ = dnnl::memory(src_md_, pd_.get_engine(), arena + slots[src_slot_].offset);
      dst_ = dnnl::memory(dst_md_, pd_.get_engine(), arena + slots[dst_slot_].offset);
      if (w_slot_ >= 0)
        weights_ = dnnl::memory(w_md_, pd_.get_engine(), arena + slots[w_slot_].offset);
    });
  }
  Status run(const RunEnv& env) override {
    return dnnl_try(label + " " + node_name, [&] {
      std::unordered_map<int, dnnl::memory> args{
          {DNNL_ARG_SRC, src_}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_DST, dst_}};
      if (bias_) args[DNNL_ARG_BIAS] = bias_;
      prim_.execute(*env.stream, args);
    });
  }

  std::string label = "matmul";
  dnnl::matmul::primitive_desc pd_;
  dnnl::matmul prim_;
  dnnl::memory::desc src_md_, dst_md_, w_md_;
  int src_slot_ = -1, dst_slot_ = -1, w_slot_ = -1;
  dnnl::memory weights_, bias_, src_, dst_;
};

}  // namespace actrt::cpu
