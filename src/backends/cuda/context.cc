#include "backends/cuda/context.h"

#include <algorithm>
#include <cstring>
#include <mutex>

#include "actrt/log.h"
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/graph_check.h"
#include "backends/cuda/kernel_table.h"
#include "backends/cuda/kernels.h"
#include "backends/cuda/launch_order.h"
#include "backends/cuda/matmul.h"
#include "runtime/memory_planner.h"

namespace actrt::cuda {

namespace {

constexpr size_t kAlign = 256;

Precision precision_of(const runtime::Plan& plan, const ir::Node& n) {
  auto it = plan.layers.find(n.name());
  return it == plan.layers.end() ? Precision::kFp32 : it->second.precision;
}

}  // namespace

// ---- weights -------------------------------------------------------------------------------

DeviceBuffer::~DeviceBuffer() {
  if (ptr) cudaFree(ptr);
}

Result<std::shared_ptr<DeviceBuffer>> WeightCache::get(const Tensor& t) {
  std::lock_guard<std::mutex> lock(mu_);
  const void* key = t.raw_data();
  if (auto it = cache_.find(key); it != cache_.end())
    if (auto sp = it->second.lock(); sp && sp->bytes == t.nbytes()) return sp;
  auto buf = std::make_shared<DeviceBuffer>();
  buf->bytes = t.nbytes();
  buf->host = t;  // keeps the host storage (the cache key) alive as long as the copy
  CUDA_RETURN_IF_ERROR(cudaMalloc(&buf->ptr, std::max<size_t>(buf->bytes, 16)), "weight upload");
  CUDA_RETURN_IF_ERROR(cudaMemcpy(buf->ptr, t.raw_data(), buf->bytes, cudaMemcpyHostToDevice),
                       "weight upload");
  cache_[key] = buf;
  return buf;
}

// ---- context -------------------------------------------------------------------------------

Result<std::unique_ptr<CudaContext>> CudaContext::create(const runtime::Plan& plan,
                                                         WeightCache& weights,
                                                         const CudaContextOptions& options) {
  std::unique_ptr<CudaContext> ctx(new CudaContext());
  RETURN_IF_ERROR(ctx->build(plan, weights, options));
  return ctx;
}

CudaContext::~CudaContext() {
  if (stream_) cudaStreamSynchronize(stream_);
  steps_.clear();
  if (graph_exec_) cudaGraphExecDestroy(graph_exec_);
  for (Io& io : inputs_)
    if (io.pinned) cudaFreeHost(io.pinned);
  for (Io& io : outputs_)
    if (io.pinned) cudaFreeHost(io.pinned);
  if (arena_) cudaFree(arena_);
  if (workspace_) cudaFree(workspace_);
  if (start_) cudaEventDestroy(start_);
  if (stop_) cudaEventDestroy(stop_);
  if (cudnn_) cudnnDestroy(cudnn_);
  if (lt_) cublasLtDestroy(lt_);
  if (stream_) cudaStreamDestroy(stream_);
}

Status CudaContext::build(const runtime::Plan& plan, WeightCache& wc,
                          const CudaContextOptions& options) {
  const ir::Graph& g = *plan.graph;
  use_graph_ = options.cuda_graph;
  const std::string where = "CUDA context";
  CUDA_RETURN_IF_ERROR(cudaGetDevice(&device_), where);
  CUDA_RETURN_IF_ERROR(cudaDeviceGetAttribute(&sm_count_, cudaDevAttrMultiProcessorCount, device_),
                       where);
  CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), where);
  CUDNN_RETURN_IF_ERROR(cudnnCreate(&cudnn_), where);
  CUDNN_RETURN_IF_ERROR(cudnnSetStream(cudnn_, stream_), where);
  CUBLAS_RETURN_IF_ERROR(cublasLtCreate(&lt_), where);
  CUDA_RETURN_IF_ERROR(cudaEventCreate(&start_), where);
  CUDA_RETURN_IF_ERROR(cudaEventCreate(&stop_), where);

  // 1. The kernel of every node, from the table (kernel_table.h).
  std::vector<const ir::Node*> nodes;
  std::vector<const CudaKernel*> kernels;
  for (const auto& n : g.nodes()) {
    ASSIGN_OR_RETURN(const CudaKernel* k, cuda_kernel_for(*n));
    nodes.push_back(n.get());
    kernels.push_back(k);
  }

  // 2. Buffers: one per non-constant value (views share their root's), graph inputs alive
  //    from the start, graph outputs to the end; per-step scratch as each kernel asks.
  const int last_step = static_cast<int>(nodes.size());
  std::unordered_map<const ir::Value*, const ir::Value*> root;
  std::unordered_map<const ir::Value*, int> buf_of;
  std::vector<runtime::BufferRequest> bufs;
  auto root_of = [&](const ir::Value* v) {
    while (root.count(v)) v = root.at(v);
    return v;
  };
  auto touch = [&](const ir::Value* v, int step) {
    if (!v || v->is_constant()) return;
    v = root_of(v);
    auto it = buf_of.find(v);
    if (it == buf_of.end()) {
      if (!v->has_shape()) return;
      runtime::BufferRequest b;
      b.bytes = std::max<size_t>(shape_numel(v->shape()) * dtype_size(v->dtype()), 1);
      b.first = b.last = step;
      it = buf_of.emplace(v, int(bufs.size())).first;
      bufs.push_back(b);
    }
    bufs[it->second].first = std::min(bufs[it->second].first, step);
    bufs[it->second].last = std::max(bufs[it->second].last, step);
  };
  for (const ir::Value* v : g.inputs()) touch(v, 0);
  std::unordered_map<const ir::Node*, int> scratch_of;
  for (int i = 0; i < last_step; ++i) {
    const ir::Node* n = nodes[i];
    if (kernels[i]->is_view) root[n->output(0)] = n->input(0);
    for (const ir::Value* v : n->inputs()) touch(v, i);
    for (const ir::Value* v : n->outputs()) touch(v, i);
    if (kernels[i]->scratch_bytes) {
      runtime::BufferRequest b;
      ASSIGN_OR_RETURN(b.bytes, kernels[i]->scratch_bytes(*n, sm_count_));
      b.first = b.last = i;
      scratch_of[n] = int(bufs.size());
      bufs.push_back(b);
    }
  }
  for (const ir::Value* v : g.outputs()) touch(v, last_step);
  const runtime::ArenaLayout layout =
      runtime::plan_arena(bufs, kAlign, runtime::SizeTies::kRequestOrder);
  arena_bytes_ = layout.total;
  CUDA_RETURN_IF_ERROR(cudaMalloc(&arena_, std::max<size_t>(arena_bytes_, kAlign)),
                       where + " arena of " + std::to_string(arena_bytes_) + " bytes");
  // Poison (all-ones bytes are NaN in FP32 and FP16): a value that a kernel forgets to write
  // shows up as NaN instead of plausible stale data. Once per context, not per inference.
  CUDA_RETURN_IF_ERROR(cudaMemset(arena_, 0xFF, std::max<size_t>(arena_bytes_, kAlign)), where);
  log_verbose("CUDA context: arena " + std::to_string(arena_bytes_ >> 10) + " KiB for " +
              std::to_string(bufs.size()) + " buffers (" + std::to_string(layout.without_reuse >> 10) +
              " KiB without reuse)");
  auto arena_at = [&](int buf) { return static_cast<uint8_t*>(arena_) + layout.offsets[buf]; };

  // 3. Steps, each made by its kernel.
  StepEnv env;
  env.cudnn = cudnn_;
  env.lt = lt_;
  env.sm_count = sm_count_;
  env.opset = g.opset();
  env.workspace_bytes = kLtWorkspaceBytes;  // matmul.h: builds time with the same limit
  env.device = [&](const ir::Value* v) -> Result<void*> {
    if (!v) return static_cast<void*>(nullptr);
    if (v->is_constant()) {
      ASSIGN_OR_RETURN(auto buf, wc.get(v->constant()));
      weights_.push_back(buf);
      return buf->ptr;
    }
    auto it = buf_of.find(root_of(v));
    if (it == buf_of.end())
      return internal_error("CUDA context: value " + v->describe() + " has no buffer");
    return static_cast<void*>(arena_at(it->second));
  };
  env.has_buffer = [&](const ir::Value* v) { return buf_of.count(root_of(v)) > 0; };
  env.upload_owned = [&](const void* host, size_t bytes, const std::string& what) -> Result<void*> {
    auto buf = std::make_shared<DeviceBuffer>();
    buf->bytes = bytes;
    CUDA_RETURN_IF_ERROR(cudaMalloc(&buf->ptr, std::max<size_t>(bytes, 16)), what);
    CUDA_RETURN_IF_ERROR(cudaMemcpy(buf->ptr, host, bytes, cudaMemcpyHostToDevice), what);
    weights_.push_back(buf);
    return buf->ptr;
  };
  for (int i = 0; i < last_step; ++i) {
    const ir::Node& n = *nodes[i];
    const CudaKernel& kernel = *kernels[i];
    if (!kernel.make_step) continue;  // folded constants and views
    env.precision = precision_of(plan, n);
    auto sc = scratch_of.find(&n);
    env.scratch = sc == scratch_of.end() ? nullptr : arena_at(sc->second);
    ASSIGN_OR_RETURN(std::unique_ptr<Step> step, kernel.make_step(env, n));
    step->name = n.name();
    step->op_type = n.domain().empty() ? n.op_type() : n.domain() + "::" + n.op_type();
    step->kernel = kernel_layer_name(kernel, n);
    steps_.push_back(std::move(step));
  }
  workspace_bytes_ = env.workspace_bytes;
  CUDA_RETURN_IF_ERROR(cudaMalloc(&workspace_, workspace_bytes_), where + " workspace");

  // 4. Inputs and outputs with pinned staging (outputs: unless options.stage_outputs is off).
  for (const ir::Value* v : g.inputs()) {
    Io io{v->name(), v->dtype(), v->shape()};
    io.bytes = shape_numel(v->shape()) * dtype_size(v->dtype());
    auto it = buf_of.find(v);
    if (it != buf_of.end()) io.device = arena_at(it->second);
    CUDA_RETURN_IF_ERROR(cudaMallocHost(&io.pinned, std::max<size_t>(io.bytes, 16)), where);
    inputs_.push_back(io);
    input_specs_.push_back({v->name(), v->dtype(), v->shape()});
  }
  for (const ir::Value* v : g.outputs()) {
    Io io{v->name(), v->dtype(), v->shape()};
    io.bytes = shape_numel(v->shape()) * dtype_size(v->dtype());
    if (v->is_constant()) {
      io.constant = &v->constant();
    } else {
      ASSIGN_OR_RETURN(io.device, env.device(v));
      if (options.stage_outputs)
        CUDA_RETURN_IF_ERROR(cudaMallocHost(&io.pinned, std::max<size_t>(io.bytes, 16)), where);
    }
    outputs_.push_back(io);
  }
  outputs_staged_ = options.stage_outputs;
  return ok_status();
}

Status CudaContext::stage_inputs(const runtime::TensorMap& feeds) {
  RETURN_IF_ERROR(runtime::check_feed(input_specs_, feeds, "CUDA engine"));
  for (const Io& io : inputs_) {
    auto it = feeds.find(io.name);
    const Tensor& t = it->second;  // present and of io's dtype and shape: check_feed
    if (!io.device) continue;  // an input nothing reads
    const void* src = t.raw_data();
    if (src == io.pinned) {  // written into host_input_buffer(): no staging copy
      CUDA_RETURN_IF_ERROR(
          cudaMemcpyAsync(io.device, io.pinned, io.bytes, cudaMemcpyHostToDevice, stream_),
          "upload of input '" + io.name + "'");
      continue;
    }
    cudaPointerAttributes attr{};
    CUDA_RETURN_IF_ERROR(cudaPointerGetAttributes(&attr, src), "input '" + io.name + "'");
    if (attr.type == cudaMemoryTypeDevice || attr.type == cudaMemoryTypeManaged) {
      // Frames already on the GPU (Policy with Frame::Memory::kDevice): device to device.
      CUDA_RETURN_IF_ERROR(
          cudaMemcpyAsync(io.device, src, io.bytes, cudaMemcpyDeviceToDevice, stream_),
          "copy of device input '" + io.name + "'");
      continue;
    }
    std::memcpy(io.pinned, src, io.bytes);
    CUDA_RETURN_IF_ERROR(
        cudaMemcpyAsync(io.device, io.pinned, io.bytes, cudaMemcpyHostToDevice, stream_),
        "upload of input '" + io.name + "'");
  }
  return ok_status();
}

void* CudaContext::host_input_buffer(const std::string& name) {
  for (Io& io : inputs_)
    if (io.name == name) return io.pinned;
  return nullptr;
}

Status CudaContext::run_steps(const RunEnv& env) {
  // Captured graphs have their dependencies made full after the capture instead (no barrier
  // kernels at replay).
  cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
  CUDA_RETURN_IF_ERROR(cudaStreamIsCapturing(stream_, &capture), "CUDA forward");
  const bool eager = capture == cudaStreamCaptureStatusNone;
  for (auto& s : steps_) {
    if (eager && s->may_start_early)
      CUDA_RETURN_IF_ERROR(launch_stream_barrier(stream_), "barrier before step '" + s->name + "'");
    RETURN_IF_ERROR(s->run(env).with_context("step '" + s->name + "'"));
  }
  return ok_status();
}

Status CudaContext::collect_outputs(runtime::TensorMap& outputs) {
  for (const auto& s : steps_) RETURN_IF_ERROR(s->host_status());
  for (const Io& io : outputs_) {
    if (io.constant) {
      outputs[io.name] = io.constant->clone();
      continue;
    }
    Tensor t(io.dtype, io.shape);
    std::memcpy(t.raw_data(), io.pinned, io.bytes);
    outputs[io.name] = std::move(t);
  }
  return ok_status();
}

Status CudaContext::capture_if_due(const RunEnv& env) {
  // Capture the whole forward once the eager run has succeeded (handles and kernels warm).
  if (!use_graph_ || runs_ != 1 || graph_exec_) return ok_status();
  cudaGraph_t graph = nullptr;
  CUDA_RETURN_IF_ERROR(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal),
                       "CUDA graph capture");
  Status st = run_steps(env);
  const cudaError_t end = cudaStreamEndCapture(stream_, &graph);
  if (st.ok() && end == cudaSuccess) {
    auto serialized = serialize_programmatic_dependencies(graph);
    st = serialized.status();
    if (st.ok()) {
      serialized_dependencies_ = serialized->edges + serialized->kernel_nodes;
      if (serialized_dependencies_)
        log_verbose("CUDA graph: " + std::to_string(serialized->edges) + " programmatic edges and " +
                    std::to_string(serialized->kernel_nodes) +
                    " programmatic kernel nodes made full dependencies (first: " +
                    serialized->example + "; launch_order.h)");
      st = cuda_status(cudaGraphInstantiate(&graph_exec_, graph, 0), "cudaGraphInstantiate", "");
    }
  } else if (st.ok()) {
    st = cuda_status(end, "cudaStreamEndCapture", "");
  }
  if (graph) cudaGraphDestroy(graph);
  if (!st.ok()) {
    cudaGetLastError();
    graph_exec_ = nullptr;
    use_graph_ = false;
    log_warning("CUDA backend: CUDA graph capture failed, running step by step: " + st.message());
    return ok_status();
  }
  // (Device-only contexts skip the check: the calibration context's outputs are every
  // activation, about 1 GB for act-base.)
  std::string mismatch;
  if (outputs_staged_) RETURN_IF_ERROR(check_graph(env, &mismatch));
  if (!mismatch.empty()) {
    cudaGraphExecDestroy(graph_exec_);
    graph_exec_ = nullptr;
    use_graph_ = false;
    log_warning("CUDA backend: the captured CUDA graph does not reproduce the step-by-step "
                "forward (" + mismatch + "); running step by step (graph_check.h)");
  }
  return ok_status();
}

Status CudaContext::check_graph(const RunEnv& env, std::string* mismatch) {
  auto spans = [](const std::vector<Io>& ios) {
    std::vector<DeviceSpan> out;
    for (const Io& io : ios)
      if (io.device) out.push_back({io.name, io.device, io.bytes, io.dtype});
    return out;
  };
  const std::vector<DeviceSpan> ins = spans(inputs_), outs = spans(outputs_);
  DeviceSnapshot inputs;
  RETURN_IF_ERROR(inputs.save(ins, stream_));
  RETURN_IF_ERROR(run_steps(env));
  ASSIGN_OR_RETURN(auto eager, download_spans(outs, stream_));
  // Two replays: the wrong replays seen so far were right the first time after an eager run.
  for (int replay = 0; replay < 2 && mismatch->empty(); ++replay) {
    RETURN_IF_ERROR(inputs.restore(stream_));
    CUDA_RETURN_IF_ERROR(cudaGraphLaunch(graph_exec_, stream_), "CUDA graph check");
    ASSIGN_OR_RETURN(auto replayed, download_spans(outs, stream_));
    *mismatch = compare_runs(outs, eager, replayed);
    if (!mismatch->empty()) *mismatch += replay ? " at the second replay" : "";
  }
  RETURN_IF_ERROR(inputs.restore(stream_));  // for the run this call precedes
  CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream_), "CUDA graph check");
  return ok_status();
}

Status CudaContext::launch_steps(const RunEnv& env) {
  if (!graph_exec_) return run_steps(env);
  CUDA_RETURN_IF_ERROR(cudaGraphLaunch(graph_exec_, stream_), "CUDA graph replay");
  return ok_status();
}

Status CudaContext::infer(const runtime::TensorMap& inputs, runtime::TensorMap& outputs) {
  CUDA_RETURN_IF_ERROR(cudaSetDevice(device_), "CUDA infer");
  if (!outputs_staged_)
    return internal_error(
        "CUDA infer: this context was created for device-side runs only (no "
        "output staging)");
  RETURN_IF_ERROR(stage_inputs(inputs));
  const RunEnv env = this->env();
  RETURN_IF_ERROR(capture_if_due(env));
  CUDA_RETURN_IF_ERROR(cudaEventRecord(start_, stream_), "CUDA infer");
  RETURN_IF_ERROR(launch_steps(env));
  CUDA_RETURN_IF_ERROR(cudaEventRecord(stop_, stream_), "CUDA infer");
  for (const Io& io : outputs_)
    if (io.device)
      CUDA_RETURN_IF_ERROR(
          cudaMemcpyAsync(io.pinned, io.device, io.bytes, cudaMemcpyDeviceToHost, stream_),
          "download of output '" + io.name + "'");
  CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream_), "CUDA infer (a kernel failed)");
  float ms = 0;
  CUDA_RETURN_IF_ERROR(cudaEventElapsedTime(&ms, start_, stop_), "CUDA infer");
  last_ms_ = ms;
  ++runs_;
  return collect_outputs(outputs);
}

std::vector<CudaContext::DeviceValue> CudaContext::device_inputs() const {
  std::vector<DeviceValue> out;
  for (const Io& io : inputs_)
    if (io.device) out.push_back({io.name, io.device, io.dtype, shape_numel(io.shape)});
  return out;
}

std::vector<CudaContext::DeviceValue> CudaContext::device_outputs() const {
  std::vector<DeviceValue> out;
  for (const Io& io : outputs_)
    if (io.device) out.push_back({io.name, io.device, io.dtype, shape_numel(io.shape)});
  return out;
}

Status CudaContext::upload(const runtime::TensorMap& inputs) {
  CUDA_RETURN_IF_ERROR(cudaSetDevice(device_), "CUDA upload");
  return stage_inputs(inputs);
}

Status CudaContext::enqueue_forward() {
  CUDA_RETURN_IF_ERROR(cudaSetDevice(device_), "CUDA forward");
  const RunEnv env = this->env();
  RETURN_IF_ERROR(capture_if_due(env));
  forward_enqueued_ = true;
  return launch_steps(env);
}

Status CudaContext::finish() {
  // Drained even after an error, so that the next upload may rewrite the staging.
  const cudaError_t drained = cudaStreamSynchronize(stream_);
  const bool counted = forward_enqueued_;
  forward_enqueued_ = false;
  CUDA_RETURN_IF_ERROR(drained, "CUDA device-side run (a kernel failed)");
  for (const auto& s : steps_) RETURN_IF_ERROR(s->host_status());
  if (counted) ++runs_;
  return ok_status();
}

Result<std::vector<runtime::LayerTime>> CudaContext::profile(const runtime::TensorMap& inputs) {
  CUDA_RETURN_IF_ERROR(cudaSetDevice(device_), "CUDA profile");
  RETURN_IF_ERROR(stage_inputs(inputs));
  const RunEnv env{stream_, cudnn_, lt_, workspace_, workspace_bytes_};
  // A begin and an end event per step; a step's barrier (launch_order.h) goes before its begin.
  std::vector<cudaEvent_t> events(2 * steps_.size(), nullptr);
  Status st;
  for (auto& e : events)
    if (st.ok()) st = cuda_status(cudaEventCreate(&e), "cudaEventCreate", "CUDA profile");
  for (size_t i = 0; st.ok() && i < steps_.size(); ++i) {
    if (steps_[i]->may_start_early)
      st = cuda_status(launch_stream_barrier(stream_), "launch_stream_barrier", steps_[i]->name);
    if (st.ok()) st = cuda_status(cudaEventRecord(events[2 * i], stream_), "cudaEventRecord", "");
    if (st.ok()) st = steps_[i]->run(env).with_context("step '" + steps_[i]->name + "'");
    if (st.ok()) st = cuda_status(cudaEventRecord(events[2 * i + 1], stream_), "cudaEventRecord", "");
  }
  if (st.ok()) st = cuda_status(cudaStreamSynchronize(stream_), "cudaStreamSynchronize", "CUDA profile");
  std::vector<runtime::LayerTime> times;
  for (size_t i = 0; st.ok() && i < steps_.size(); ++i) {
    float ms = 0;
    st = cuda_status(cudaEventElapsedTime(&ms, events[2 * i], events[2 * i + 1]),
                     "cudaEventElapsedTime", "");
    times.push_back({steps_[i]->name, steps_[i]->op_type + " [" + steps_[i]->kernel + "]", ms});
  }
  for (auto& e : events)
    if (e) cudaEventDestroy(e);
  for (const auto& s : steps_)
    if (st.ok()) st = s->host_status();
  RETURN_IF_ERROR(st);
  return times;
}

}  // namespace actrt::cuda
