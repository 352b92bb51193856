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
//
// Device-side runs (upload(), enqueue_forward(), finish()) serve activation statistics
// (calibration_stats.h): nothing is downloaded, the caller reads the values where they lie.
// They share infer()'s run count and CUDA graph: the steps run eagerly until one run has
// finished, then from the graph.
#pragma once

#include <cublasLt.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "backends/cuda/step.h"
#include "runtime/backend.h"
#include "runtime/feed_check.h"

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

// How CudaContext::create sets a context up.
struct CudaContextOptions {
  // Pinned host staging for the graph outputs, which infer() downloads through. A context used
  // only for device-side runs skips it (the calibration context has every activation as an
  // output: about 1 GB of pinned memory for act-base, slow to allocate and free); its infer()
  // then fails.
  bool stage_outputs = true;
  // Capture the forward as one CUDA graph after the first run and replay it from then on;
  // false runs it step by step every time (for diagnosis: graph or no graph, same results).
  bool cuda_graph = true;
};

class CudaContext final : public runtime::ExecutionContext {
 public:
  static Result<std::unique_ptr<CudaContext>> create(const runtime::Plan& plan, WeightCache& weights,
                                                     const CudaContextOptions& options = {});
  ~CudaContext() override;

  Status infer(const runtime::TensorMap& inputs, runtime::TensorMap& outputs) override;
  double last_compute_ms() const override { return last_ms_; }
  Result<std::vector<runtime::LayerTime>> profile(const runtime::TensorMap& inputs) override;
  void* host_input_buffer(const std::string& name) override;
  bool accepts_device_inputs() const override { return true; }

  // ---- Device-side runs, for activation statistics (calibration_stats.h) ----
  // A graph input or output where it lies in the arena (fixed for the context's life).
  struct DeviceValue {
    std::string name;
    const void* data = nullptr;
    DataType dtype = DataType::kUndefined;
    int64_t numel = 0;
  };
  // The graph inputs that some step reads, and the non-constant graph outputs, in graph order.
  std::vector<DeviceValue> device_inputs() const;
  std::vector<DeviceValue> device_outputs() const;
  // The (non-blocking) stream all of the context's work is enqueued on.
  cudaStream_t stream() const { return stream_; }
  // Enqueues the upload of `inputs` (checked as by infer()) through the pinned input staging;
  // the previous run must have finished (finish()) before, as the staging is reused.
  Status upload(const runtime::TensorMap& inputs);
  // Enqueues the steps: one by one until a run has finished without error, then from a CUDA
  // graph captured once (if the capture fails: one by one, with a warning). A step may reuse a
  // graph input's bytes, so work that reads the inputs must be enqueued before this.
  Status enqueue_forward();
  // Waits until everything enqueued on stream() is done; fails if a kernel or a host-fallback
  // step failed.
  Status finish();
  // Whether runs replay a captured CUDA graph (false before the second run, and after a failed
  // capture or graph check).
  bool replays_graph() const { return graph_exec_ != nullptr; }
  // Programmatic dependencies the captured graph held and that were made full ones
  // (launch_order.h); zero before the capture.
  int serialized_dependencies() const { return serialized_dependencies_; }

 private:
  CudaContext() = default;
  Status build(const runtime::Plan& plan, WeightCache& weights, const CudaContextOptions& options);
  Status stage_inputs(const runtime::TensorMap& inputs);
  Status run_steps(const RunEnv& env);
  // Captures the steps into graph_exec_ once one run has finished (runs_ == 1); a failed capture
  // turns the graph off with a warning. launch_steps: the steps from the graph, or one by one.
  Status capture_if_due(const RunEnv& env);
  // Replays the just-captured graph and runs the steps one by one on the same inputs; a
  // description of the difference in `mismatch` when the graph does not reproduce the steps
  // (graph_check.h).
  Status check_graph(const RunEnv& env, std::string* mismatch);
  Status launch_steps(const RunEnv& env);
  RunEnv env() const { return RunEnv{stream_, cudnn_, lt_, workspace_, workspace_bytes_}; }
  Status collect_outputs(runtime::TensorMap& outputs);

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
  std::vector<TensorInfo> input_specs_;  // inputs_ as the feed check wants them
  cudaGraphExec_t graph_exec_ = nullptr;
  int runs_ = 0;
  int serialized_dependencies_ = 0;
  bool use_graph_ = true;
  bool outputs_staged_ = true;
  bool forward_enqueued_ = false;  // by enqueue_forward(), since the last finish()
  double last_ms_ = 0;
};

}  // namespace actrt::cuda
