// The host fallback: an ONNX node no CUDA kernel runs. Its inputs are downloaded, the reference
// kernel runs on the host inside a stream callback (so that it can be captured in a CUDA graph),
// and its outputs are uploaded. Correct and slow: the builder counts such layers in its summary
// and the context warns once per op type.
#include <algorithm>
#include <cstring>
#include <mutex>
#include <set>

#include "actrt/log.h"
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/steps/families.h"
#include "backends/reference/executor.h"
#include "backends/reference/reference_kernels.h"
#include "core/half.h"

namespace actrt::cuda {

namespace {

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

  size_t pinned_bytes() const override {
    size_t total = 0;  // as allocated: at least 16 bytes each
    for (const auto& i : ins)
      if (i.pinned) total += std::max<size_t>(i.bytes, 16);
    for (const auto& o : outs)
      if (o.pinned) total += std::max<size_t>(o.bytes, 16);
    return total;
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
};

Status host_accepts(const ir::Node& n) {
  if (!n.domain().empty()) return not_accepted("a fused op of domain '" + n.domain() + "'");
  if (!reference::find_kernel(n.op_type()))
    return not_accepted("the reference executor has no " + n.op_type());
  return ok_status();
}

void warn_once(const ir::Node& n) {
  static std::mutex mu;
  static std::set<std::string> warned;
  std::lock_guard<std::mutex> lock(mu);
  if (warned.insert(n.op_type()).second)
    log_warning("CUDA backend: no CUDA kernel for " + n.op_type() + " (first: " + n.describe() +
                "); it runs on the host with the reference kernel");
}

Result<std::unique_ptr<Step>> make_host_step(StepEnv& env, const ir::Node& n) {
  warn_once(n);
  auto s = std::make_unique<HostStep>();
  s->opset = env.opset;
  const std::string where = n.describe();
  std::vector<ir::Value*> sin, sout;
  for (size_t k = 0; k < n.inputs().size(); ++k) {
    const ir::Value* v = n.input(k);
    HostStep::In in;
    if (!v) {
      sin.push_back(nullptr);
      s->ins.push_back(in);
      continue;
    }
    ir::Value* sv = s->shadow.add_value(v->name());
    const DataType wide = v->dtype() == DataType::kFloat16 ? DataType::kFloat32 : v->dtype();
    if (v->is_constant()) {
      Tensor c = v->constant().dtype() == DataType::kFloat16 ? v->constant().to_float32()
                                                             : v->constant();
      sv->set_constant(c);
      in.constant = &v->constant();
    } else {
      sv->set_dtype(wide);
      sv->set_shape(v->shape());
      in.dtype = v->dtype();
      in.shape = v->shape();
      in.bytes = shape_numel(v->shape()) * dtype_size(v->dtype());
      ASSIGN_OR_RETURN(in.device, env.device(v));
      CUDA_RETURN_IF_ERROR(cudaMallocHost(&in.pinned, std::max<size_t>(in.bytes, 16)), where);
    }
    sin.push_back(sv);
    s->ins.push_back(in);
  }
  for (const ir::Value* v : n.outputs()) {
    HostStep::Out o;
    if (!v) {
      s->outs.push_back(o);
      sout.push_back(nullptr);
      continue;
    }
    ir::Value* sv = s->shadow.add_value(v->name());
    sv->set_dtype(v->dtype() == DataType::kFloat16 ? DataType::kFloat32 : v->dtype());
    if (v->has_shape()) sv->set_shape(v->shape());
    if (!v->is_constant() && env.has_buffer(v)) {
      o.dtype = v->dtype();
      o.bytes = shape_numel(v->shape()) * dtype_size(v->dtype());
      ASSIGN_OR_RETURN(o.device, env.device(v));
      CUDA_RETURN_IF_ERROR(cudaMallocHost(&o.pinned, std::max<size_t>(o.bytes, 16)), where);
    }
    sout.push_back(sv);
    s->outs.push_back(o);
  }
  ir::Node* sn = s->shadow.add_node(n.name(), n.op_type(), sin, sout, n.domain());
  sn->attributes() = n.attributes();
  s->node = sn;
  return std::unique_ptr<Step>(std::move(s));
}

}  // namespace

const CudaKernel kHostFallbackKernel = {
    .name = "host.reference",
    .summary = "any ONNX op: the reference kernel on the host, through pinned staging (slow)",
    .accepts = host_accepts,
    .make_step = make_host_step,
    .host_fallback = true,
};

}  // namespace actrt::cuda
