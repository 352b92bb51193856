#include "backends/cuda/calibration_stats.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "actrt/log.h"
#include "backends/cuda/context.h"
#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/stats_kernels.h"
#include "backends/cuda/stats_launches.h"
#include "ir/verifier.h"

namespace actrt::cuda {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", v);
  return buf;
}

bool readable(DataType t) { return t == DataType::kFloat32 || t == DataType::kFloat16; }

// Device memory of `bytes` (at least 16) filled with `byte`.
Status alloc_filled(DeviceBuffer& b, size_t bytes, int byte, const std::string& what) {
  CUDA_RETURN_IF_ERROR(cudaMalloc(&b.ptr, std::max<size_t>(bytes, 16)), what);
  b.bytes = bytes;
  CUDA_RETURN_IF_ERROR(cudaMemset(b.ptr, byte, std::max<size_t>(bytes, 16)), what);
  return ok_status();
}

// Pinned host memory freed on destruction.
struct PinnedBuffer {
  void* ptr = nullptr;
  ~PinnedBuffer() {
    if (ptr) cudaFreeHost(ptr);
  }
};

// Where the time of one pass went, for the verbose log: host clocks around whole phases and
// CUDA events between them (no synchronization beyond the one per sample the anomalies need).
struct PassTiming {
  size_t samples = 0;
  // Host clocks: the upload (input checks, copy into the pinned staging, enqueue of the H2D
  // copy), the enqueue of the kernels and the forward, the wait for the GPU to finish.
  double upload_s = 0, enqueue_s = 0, wait_s = 0;
  // CUDA events: from the start of the staging copy to the end of the H2D copy, the forward, the
  // statistics kernels (graph inputs and the rest).
  double gpu_upload_ms = 0, gpu_forward_ms = 0, gpu_stats_ms = 0;

  std::string describe(const char* pass) const {
    return std::string("CUDA calibration ") + pass + ": " + std::to_string(samples) +
           " samples; host: upload " + fixed(upload_s) + " s, enqueue " + fixed(enqueue_s) +
           " s, waiting for the GPU " + fixed(wait_s) + " s; GPU: upload " +
           fixed(gpu_upload_ms / 1e3) + " s, forward " + fixed(gpu_forward_ms / 1e3) +
           " s, statistics " + fixed(gpu_stats_ms / 1e3) + " s";
  }
};

class CudaStatsRunner final : public runtime::ActivationStatsRunner {
 public:
  static Result<std::unique_ptr<CudaStatsRunner>> create(const runtime::Backend& backend,
                                                         const ir::Graph& graph,
                                                         const std::vector<std::string>& tensors);

  ~CudaStatsRunner() override {
    // Nothing may still read the buffers freed below (a run that failed half-way).
    if (ctx_) cudaStreamSynchronize(ctx_->stream());
    for (cudaEvent_t e : events_)
      if (e) cudaEventDestroy(e);
  }

  std::string description() const override { return description_; }

  Result<std::optional<runtime::StatsAnomaly>> accumulate_max(
      const runtime::TensorMap& feed) override {
    return run(feed, StatsPass::kMax);
  }

  Result<std::vector<float>> max_abs() override {
    log_timing(StatsPass::kMax);
    std::vector<unsigned int> bits(names_.size());
    CUDA_RETURN_IF_ERROR(cudaMemcpy(bits.data(), max_bits_.ptr, bits.size() * sizeof(unsigned),
                                    cudaMemcpyDeviceToHost),
                         kWhere);
    std::vector<float> out;
    out.reserve(bits.size());
    for (unsigned b : bits) out.push_back(std::bit_cast<float>(b));
    return out;
  }

  Status start_histograms(const std::vector<float>& max_abs, int bins) override {
    if (max_abs.size() != names_.size())
      return internal_error(std::string(kWhere) + ": " + std::to_string(max_abs.size()) +
                            " maxima for " + std::to_string(names_.size()) + " tensors");
    if (bins < 1 || bins > kMaxStatsBins)
      return unsupported(std::string(kWhere) + ": " + std::to_string(bins) + " bins (at most " +
                         std::to_string(kMaxStatsBins) + ")");
    // A graph captured for earlier histograms points at buffers freed here.
    graphs_[1].reset();
    histograms_started_ = false;
    bins_ = bins;
    const size_t n = names_.size();
    hist_ = std::make_unique<DeviceBuffer>();
    RETURN_IF_ERROR(alloc_filled(*hist_, n * size_t(bins) * sizeof(unsigned long long), 0, kWhere));
    CUDA_RETURN_IF_ERROR(
        cudaMemcpy(hist_max_.ptr, max_abs.data(), n * sizeof(float), cudaMemcpyHostToDevice),
        kWhere);
    RETURN_IF_ERROR(reset_anomalies());
    graphs_[1] = std::make_unique<StatsLaunchGraph>(outputs_, StatsPass::kHistogram, slots());
    timing_[1] = PassTiming{};
    histograms_started_ = true;
    return ok_status();
  }

  Result<std::optional<runtime::StatsAnomaly>> accumulate_histograms(
      const runtime::TensorMap& feed) override {
    if (!histograms_started_)
      return internal_error(std::string(kWhere) + ": histograms before start_histograms()");
    return run(feed, StatsPass::kHistogram);
  }

  Result<std::vector<std::vector<uint64_t>>> histograms() override {
    if (!histograms_started_)
      return internal_error(std::string(kWhere) + ": histograms before start_histograms()");
    log_timing(StatsPass::kHistogram);
    const size_t n = names_.size(), bins = size_t(bins_);
    std::vector<unsigned long long> all(n * bins);
    CUDA_RETURN_IF_ERROR(
        cudaMemcpy(all.data(), hist_->ptr, all.size() * sizeof(all[0]), cudaMemcpyDeviceToHost),
        kWhere);
    std::vector<std::vector<uint64_t>> out(n);
    for (size_t k = 0; k < n; ++k)
      out[k].assign(all.begin() + k * bins, all.begin() + (k + 1) * bins);
    return out;
  }

 private:
  static constexpr const char* kWhere = "CUDA calibration statistics";
  // Events of one sample: before the upload, after it, after the statistics of the graph
  // inputs, after the forward, after the statistics of the other tensors.
  static constexpr int kEvents = 5;

  CudaStatsRunner() = default;

  StatsSlots slots() const {
    StatsSlots s;
    s.max_bits = static_cast<unsigned int*>(max_bits_.ptr);
    s.anomaly = static_cast<unsigned long long*>(anomaly_.ptr);
    s.excess_bits = static_cast<unsigned int*>(excess_bits_.ptr);
    s.hist_max = static_cast<const float*>(hist_max_.ptr);
    s.histograms = hist_ ? static_cast<unsigned long long*>(hist_->ptr) : nullptr;
    s.bins = bins_;
    s.max_blocks = max_blocks_;
    return s;
  }

  void log_timing(StatsPass pass) {
    PassTiming& t = timing_[pass == StatsPass::kHistogram];
    if (t.samples)
      log_verbose(t.describe(pass == StatsPass::kMax ? "pass 1 (maxima)" : "pass 2 (histograms)"));
    t = PassTiming{};
  }

  // The slots are written by kernels on the context's stream (non-blocking, so it does not wait
  // for the legacy stream cudaMemset runs on): wait here until the reset is done.
  Status reset_anomalies() {
    const size_t n = names_.size();
    CUDA_RETURN_IF_ERROR(cudaMemset(anomaly_.ptr, 0xFF, n * sizeof(unsigned long long)), kWhere);
    CUDA_RETURN_IF_ERROR(cudaMemset(excess_bits_.ptr, 0, n * sizeof(unsigned int)), kWhere);
    CUDA_RETURN_IF_ERROR(cudaDeviceSynchronize(), kWhere);
    return ok_status();
  }

  // One sample: upload, the statistics of the graph inputs (before any step may reuse their
  // bytes), the forward, the statistics of every other tensor, and the anomaly slots back.
  Result<std::optional<runtime::StatsAnomaly>> run(const runtime::TensorMap& feed, StatsPass pass) {
    const size_t n = names_.size();
    const cudaStream_t stream = ctx_->stream();
    PassTiming& t = timing_[pass == StatsPass::kHistogram];
    auto* found = static_cast<unsigned long long*>(anomaly_host_.ptr);
    const Clock::time_point t0 = Clock::now();
    Clock::time_point t1 = t0;
    const Status enqueued = [&]() -> Status {
      CUDA_RETURN_IF_ERROR(cudaEventRecord(events_[0], stream), kWhere);
      RETURN_IF_ERROR(ctx_->upload(feed));
      CUDA_RETURN_IF_ERROR(cudaEventRecord(events_[1], stream), kWhere);
      t1 = Clock::now();
      RETURN_IF_ERROR(launch_stats(inputs_, pass, slots(), stream));
      CUDA_RETURN_IF_ERROR(cudaEventRecord(events_[2], stream), kWhere);
      RETURN_IF_ERROR(ctx_->enqueue_forward());
      CUDA_RETURN_IF_ERROR(cudaEventRecord(events_[3], stream), kWhere);
      RETURN_IF_ERROR(graphs_[pass == StatsPass::kHistogram]->enqueue(stream));
      CUDA_RETURN_IF_ERROR(cudaEventRecord(events_[4], stream), kWhere);
      CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(found, anomaly_.ptr, n * sizeof(found[0]),
                                           cudaMemcpyDeviceToHost, stream),
                           kWhere);
      return ok_status();
    }();
    const Clock::time_point t2 = Clock::now();
    const Status finished = ctx_->finish();  // drains the stream even after an error
    RETURN_IF_ERROR(enqueued);
    RETURN_IF_ERROR(finished);
    float ms[kEvents - 1] = {};
    for (int e = 0; e + 1 < kEvents; ++e)
      CUDA_RETURN_IF_ERROR(cudaEventElapsedTime(&ms[e], events_[e], events_[e + 1]), kWhere);
    ++t.samples;
    t.upload_s += std::chrono::duration<double>(t1 - t0).count();
    t.enqueue_s += std::chrono::duration<double>(t2 - t1).count();
    t.wait_s += seconds_since(t2);
    t.gpu_upload_ms += ms[0];
    t.gpu_stats_ms += ms[1] + ms[3];
    t.gpu_forward_ms += ms[2];

    // The slots are final for this sample.
    for (size_t k = 0; k < n; ++k) {
      if (found[k] == kNoAnomaly) continue;
      runtime::StatsAnomaly a;
      a.tensor = k;
      a.element = static_cast<int64_t>(found[k] >> 2);
      const unsigned kind = static_cast<unsigned>(found[k] & 3);
      a.kind = kind == kAnomalyNaN   ? runtime::StatsAnomaly::Kind::kNaN
               : kind == kAnomalyInf ? runtime::StatsAnomaly::Kind::kInf
                                     : runtime::StatsAnomaly::Kind::kAboveMax;
      if (a.kind == runtime::StatsAnomaly::Kind::kAboveMax) {
        unsigned int bits = 0;
        CUDA_RETURN_IF_ERROR(cudaMemcpy(&bits, static_cast<unsigned int*>(excess_bits_.ptr) + k,
                                        sizeof(bits), cudaMemcpyDeviceToHost),
                             kWhere);
        a.value = std::bit_cast<float>(bits);
      }
      return std::optional<runtime::StatsAnomaly>(a);
    }
    return std::optional<runtime::StatsAnomaly>();
  }

  std::vector<std::string> names_;
  std::string description_;
  int max_blocks_ = 1;
  int bins_ = 0;
  bool histograms_started_ = false;
  // The requested tensors as the context holds them: graph inputs (observed right after the
  // upload) and graph outputs (after the forward).
  std::vector<StatsTensor> inputs_, outputs_;
  PassTiming timing_[2];  // [0]: pass 1, [1]: pass 2
  // Destroyed in reverse order: the launch graphs, events and buffers while the context is
  // alive, the context before the weights it uses and the plan whose constants its host steps
  // point into.
  std::unique_ptr<runtime::Plan> plan_;
  WeightCache weights_;
  std::unique_ptr<CudaContext> ctx_;
  DeviceBuffer max_bits_, anomaly_, excess_bits_, hist_max_;
  std::unique_ptr<DeviceBuffer> hist_;
  PinnedBuffer anomaly_host_;
  cudaEvent_t events_[kEvents] = {};
  std::unique_ptr<StatsLaunchGraph> graphs_[2];  // output statistics of pass 1 / pass 2
};

Result<std::unique_ptr<CudaStatsRunner>> CudaStatsRunner::create(
    const runtime::Backend& backend, const ir::Graph& graph,
    const std::vector<std::string>& tensors) {
  RETURN_IF_ERROR(backend.available());
  for (const auto& n : graph.nodes()) {
    const std::string why = backend.unsupported_reason(*n);
    if (!why.empty()) return unsupported(n->describe() + ": " + why);
  }
  std::unique_ptr<CudaStatsRunner> r(new CudaStatsRunner());
  r->names_ = tensors;
  std::unordered_map<std::string, size_t> index;
  for (size_t k = 0; k < tensors.size(); ++k)
    if (!index.emplace(tensors[k], k).second)
      return invalid_argument("tensor '" + tensors[k] + "' is requested twice");

  // The plan: FP32 (TF32 off), deterministic (no tactic timing, no timing cache).
  const Clock::time_point t0 = Clock::now();
  ASSIGN_OR_RETURN(auto g, stats_graph(graph, tensors));
  r->plan_ = std::make_unique<runtime::Plan>();
  r->plan_->backend = BackendKind::kCuda;
  r->plan_->target = backend.current_target();
  r->plan_->graph = std::move(g);
  BuilderConfig config;
  config.backend = BackendKind::kCuda;
  config.deterministic = true;
  RETURN_IF_ERROR(backend.compile(*r->plan_, config));
  RETURN_IF_ERROR(r->plan_->graph->topological_sort());
  RETURN_IF_ERROR(ir::verify_graph(*r->plan_->graph, {.require_shapes = true})
                      .with_context("the CUDA backend produced an invalid calibration graph"));
  const std::vector<std::string> lost = lost_tensors(*r->plan_->graph, tensors);
  if (!lost.empty())
    return unsupported("the CUDA rewrites dropped " + std::to_string(lost.size()) + " of " +
                       std::to_string(tensors.size()) + " tensors to observe (first: '" +
                       lost.front() + "')");
  const double compile_s = seconds_since(t0);
  const Clock::time_point t1 = Clock::now();
  // No output staging: nothing is downloaded, and every activation is an output.
  CudaContextOptions co;
  co.stage_outputs = false;
  ASSIGN_OR_RETURN(r->ctx_, CudaContext::create(*r->plan_, r->weights_, co));
  const double context_s = seconds_since(t1);

  // Each requested tensor where the context holds it: as a graph input if it is one, else as
  // a graph output.
  std::vector<char> found(tensors.size(), 0);
  auto collect = [&](const std::vector<CudaContext::DeviceValue>& values,
                     std::vector<StatsTensor>& into) {
    for (const CudaContext::DeviceValue& v : values) {
      auto it = index.find(v.name);
      if (it == index.end() || found[it->second]) continue;
      found[it->second] = 1;
      into.push_back({v.name, it->second, v.data, v.dtype == DataType::kFloat16, v.numel});
    }
  };
  collect(r->ctx_->device_inputs(), r->inputs_);
  collect(r->ctx_->device_outputs(), r->outputs_);
  for (size_t k = 0; k < tensors.size(); ++k)
    if (!found[k])
      return unsupported("the CUDA calibration context holds no device buffer for tensor '" +
                         tensors[k] + "' (a graph input that no step reads?)");

  int device = 0, sms = 1;
  CUDA_RETURN_IF_ERROR(cudaGetDevice(&device), kWhere);
  CUDA_RETURN_IF_ERROR(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device),
                       kWhere);
  r->max_blocks_ = 4 * std::max(sms, 1);
  cudaDeviceProp prop{};
  CUDA_RETURN_IF_ERROR(cudaGetDeviceProperties(&prop, device), kWhere);
  r->description_ = "CUDA backend (" + std::string(prop.name) + ", FP32)";

  const size_t n = tensors.size();
  RETURN_IF_ERROR(alloc_filled(r->max_bits_, n * sizeof(unsigned int), 0, kWhere));  // 0.0f
  RETURN_IF_ERROR(alloc_filled(r->anomaly_, n * sizeof(unsigned long long), 0xFF, kWhere));
  RETURN_IF_ERROR(alloc_filled(r->excess_bits_, n * sizeof(unsigned int), 0, kWhere));
  RETURN_IF_ERROR(alloc_filled(r->hist_max_, n * sizeof(float), 0, kWhere));
  CUDA_RETURN_IF_ERROR(
      cudaMallocHost(&r->anomaly_host_.ptr, std::max<size_t>(n * sizeof(unsigned long long), 16)),
      kWhere);
  for (cudaEvent_t& e : r->events_) CUDA_RETURN_IF_ERROR(cudaEventCreate(&e), kWhere);
  r->graphs_[0] = std::make_unique<StatsLaunchGraph>(r->outputs_, StatsPass::kMax, r->slots());
  CUDA_RETURN_IF_ERROR(cudaDeviceSynchronize(), kWhere);  // see reset_anomalies()
  log_verbose("CUDA calibration setup: FP32 plan of " +
              std::to_string(r->plan_->graph->nodes().size()) + " nodes compiled in " +
              fixed(compile_s) + " s, context created in " + fixed(context_s) + " s, " +
              std::to_string(r->inputs_.size()) + " graph inputs and " +
              std::to_string(r->outputs_.size()) + " outputs observed");
  return r;
}

}  // namespace

Result<std::unique_ptr<ir::Graph>> stats_graph(const ir::Graph& graph,
                                               const std::vector<std::string>& tensors) {
  auto g = graph.clone();
  const std::unordered_set<const ir::Value*> inputs(g->inputs().begin(), g->inputs().end());
  std::unordered_set<const ir::Value*> outputs(g->outputs().begin(), g->outputs().end());
  for (const std::string& name : tensors) {
    ir::Value* v = g->find_value(name);
    if (!v) return invalid_argument("no tensor '" + name + "' in the graph");
    if (v->is_constant()) return invalid_argument("tensor '" + name + "' is a constant");
    if (!v->has_shape()) return invalid_argument("tensor '" + name + "' has no static shape");
    if (!readable(v->dtype()))
      return unsupported("tensor '" + name + "' is " + std::string(dtype_name(v->dtype())) +
                         "; the statistics kernels read f32 and f16");
    if (inputs.count(v)) continue;
    if (!v->producer())
      return invalid_argument("tensor '" + name + "' is neither a graph input nor a node output");
    if (outputs.insert(v).second) g->outputs().push_back(v);
  }
  return g;
}

std::vector<std::string> lost_tensors(const ir::Graph& compiled,
                                      const std::vector<std::string>& tensors) {
  std::unordered_set<const ir::Value*> io(compiled.inputs().begin(), compiled.inputs().end());
  io.insert(compiled.outputs().begin(), compiled.outputs().end());
  std::vector<std::string> lost;
  for (const std::string& name : tensors) {
    const ir::Value* v = compiled.find_value(name);
    if (!v || !io.count(v) || v->is_constant() || !readable(v->dtype())) lost.push_back(name);
  }
  return lost;
}

Result<std::unique_ptr<runtime::ActivationStatsRunner>> make_cuda_stats_runner(
    const runtime::Backend& backend, const ir::Graph& graph,
    const std::vector<std::string>& tensors) {
  ASSIGN_OR_RETURN(auto r, CudaStatsRunner::create(backend, graph, tensors));
  return std::unique_ptr<runtime::ActivationStatsRunner>(std::move(r));
}

Result<std::unique_ptr<runtime::ActivationStatsRunner>> CudaBackend::make_activation_stats_runner(
    const ir::Graph& graph, const std::vector<std::string>& tensors) const {
  return make_cuda_stats_runner(*this, graph, tensors);
}

}  // namespace actrt::cuda
