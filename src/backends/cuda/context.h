// Execution context of the CUDA backend.
//
// One context = one CUDA stream, one cuDNN and one cuBLASLt handle, ONE device allocation (the
// arena) for every intermediate value, graph input and output and per-step scratch, placed by
// liveness (memory_plan.h) so that values never alive together share bytes; one workspace for
// cuDNN / cuBLASLt; pinned host staging for inputs and outputs. Weights live in device buffers
// shared by all contexts of a plan (uploaded once; see WeightCache).
//
// infer(): inputs are checked (name, dtype, shape), copied into pinned staging and uploaded;
// the steps run; outputs come back through pinned staging. The first infer() runs the steps
// one by one (eager: cuDNN / cuBLASLt warm up, errors name the node); later ones replay a CUDA
// graph of the whole forward captured at the second call. No host synchronization happens
// between upload and download. last_compute_ms() is the time between CUDA events around the
// steps (uploads and downloads excluded). profile() runs eagerly with events around each step.
#pragma once

#include <cublasLt.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/backend.h"

namespace actrt::cuda {

// A device allocation freed on destruction.
struct DeviceBuffer {
  void* ptr = nullptr;
  size_t bytes = 0;
  Tensor host;  // for weights: the host tensor uploaded (so its address cannot be reused)
  ~DeviceBuffer();
};

// Device copies of a plan's constants, keyed by the host storage they were uploaded from; held
// weakly so that they are freed with the last context that uses them.
class WeightCache {
 public:
  Result<std::shared_ptr<DeviceBuffer>> get(const Tensor& t);

 private:
  std::mutex mu_;
  std::unordered_map<const void*, std::weak_ptr<DeviceBuffer>> cache_;
};

struct RunEnv {
  cudaStream_t stream = nullptr;
  cudnnHandle_t cudnn = nullptr;
  cublasLtHandle_t lt = nullptr;
  void* workspace = nullptr;
  size_t workspace_bytes = 0;
};

class Step {
 public:
  virtual ~Step() = default;
  virtual Status run(const RunEnv& env) = 0;
  // Errors that happened on the host during the last run (host-fallback steps).
  virtual Status host_status() const { return ok_status(); }
  std::string name;
  std::string op_type;
  std::string kernel;
};

// The kernel name a node gets in plan.layers (and that create_context will use).
std::string kernel_name(const ir::Node& node);

class CudaContext final : public engine::ExecutionContext {
 public:
  static Result<std::unique_ptr<CudaContext>> create(const engine::Plan& plan,
                                                     WeightCache& weights);
  ~CudaContext() override;

  Status infer(const engine::TensorMap& inputs, engine::TensorMap& outputs) override;
  double last_compute_ms() const override { return last_ms_; }
  Result<std::vector<engine::LayerTime>> profile(const engine::TensorMap& inputs) override;

  // ---- For activation statistics (calibration_stats.h), apart from infer() ----
  // A value on the device, valid for work enqueued on `stream` during the callback.
  struct DeviceValue {
    const std::string& name;
    const void* data;
    DataType dtype;
    int64_t numel;
    cudaStream_t stream;
  };
  // Runs the steps once, eagerly, on `inputs` (checked as by infer()) and hands `each` every
  // graph input right after its upload and every non-constant graph output after the last step,
  // without downloading anything. Returns once the stream has drained, so that what `each`
  // enqueued is done too. Does not count as an infer() (no CUDA graph is captured).
  Status run_device(const engine::TensorMap& inputs,
                    const std::function<Status(const DeviceValue&)>& each);

 private:
  CudaContext() = default;
  Status build(const engine::Plan& plan, WeightCache& weights);
  Status stage_inputs(const engine::TensorMap& inputs);
  Status run_steps(const RunEnv& env);
  Status collect_outputs(engine::TensorMap& outputs);

  struct Io {
    std::string name;
    DataType dtype;
    Shape shape;
    size_t bytes = 0;
    void* device = nullptr;
    void* pinned = nullptr;
    const Tensor* constant = nullptr;  // an output that is a plan constant
  };

  int device_ = 0;
  int sm_count_ = 1;
  cudaStream_t stream_ = nullptr;
  cudnnHandle_t cudnn_ = nullptr;
  cublasLtHandle_t lt_ = nullptr;
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
  void* arena_ = nullptr;
  size_t arena_bytes_ = 0;
  void* workspace_ = nullptr;
  size_t workspace_bytes_ = 0;
  std::vector<std::shared_ptr<DeviceBuffer>> weights_;
  std::vector<std::unique_ptr<Step>> steps_;
  std::vector<Io> inputs_, outputs_;
  cudaGraphExec_t graph_exec_ = nullptr;
  int runs_ = 0;
  bool use_graph_ = true;
  double last_ms_ = 0;
};

}  // namespace actrt::cuda
