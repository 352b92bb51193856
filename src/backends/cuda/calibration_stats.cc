#include "backends/cuda/calibration_stats.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <bit>
#include <unordered_map>
#include <unordered_set>

#include "backends/cuda/context.h"
#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/stats_kernels.h"
#include "ir/verifier.h"

namespace actrt::cuda {

namespace {

bool readable(DataType t) { return t == DataType::kFloat32 || t == DataType::kFloat16; }

// Device memory of `bytes` (at least 16) filled with `byte`.
Status alloc_filled(DeviceBuffer& b, size_t bytes, int byte, const std::string& what) {
  CUDA_RETURN_IF_ERROR(cudaMalloc(&b.ptr, std::max<size_t>(bytes, 16)), what);
  b.bytes = bytes;
  CUDA_RETURN_IF_ERROR(cudaMemset(b.ptr, byte, std::max<size_t>(bytes, 16)), what);
  return ok_status();
}

class CudaStatsRunner final : public engine::ActivationStatsRunner {
 public:
  static Result<std::unique_ptr<CudaStatsRunner>> create(const engine::Backend& backend,
                                                         const ir::Graph& graph,
                                                         const std::vector<std::string>& tensors);

  std::string description() const override { return description_; }

  Result<std::optional<engine::StatsAnomaly>> accumulate_max(
      const engine::TensorMap& feed) override {
    return run(feed, false);
  }

  Result<std::vector<float>> max_abs() override {
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
    bins_ = bins;
    const size_t n = names_.size();
    hist_ = std::make_unique<DeviceBuffer>();
    RETURN_IF_ERROR(alloc_filled(*hist_, n * size_t(bins) * sizeof(unsigned long long), 0, kWhere));
    CUDA_RETURN_IF_ERROR(
        cudaMemcpy(hist_max_.ptr, max_abs.data(), n * sizeof(float), cudaMemcpyHostToDevice),
        kWhere);
    RETURN_IF_ERROR(reset_anomalies());
    histograms_started_ = true;
    return ok_status();
  }

  Result<std::optional<engine::StatsAnomaly>> accumulate_histograms(
      const engine::TensorMap& feed) override {
    if (!histograms_started_)
      return internal_error(std::string(kWhere) + ": histograms before start_histograms()");
    return run(feed, true);
  }

  Result<std::vector<std::vector<uint64_t>>> histograms() override {
    if (!histograms_started_)
      return internal_error(std::string(kWhere) + ": histograms before start_histograms()");
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

  CudaStatsRunner() = default;

  // The slots are written by kernels on the context's stream (non-blocking, so it does not wait
  // for the legacy stream cudaMemset runs on): wait here until the reset is done.
  Status reset_anomalies() {
    const size_t n = names_.size();
    CUDA_RETURN_IF_ERROR(cudaMemset(anomaly_.ptr, 0xFF, n * sizeof(unsigned long long)), kWhere);
    CUDA_RETURN_IF_ERROR(cudaMemset(excess_bits_.ptr, 0, n * sizeof(unsigned int)), kWhere);
    CUDA_RETURN_IF_ERROR(cudaDeviceSynchronize(), kWhere);
    return ok_status();
  }

  // One sample: the graph, then one statistics kernel per requested tensor, then the anomalies.
  Result<std::optional<engine::StatsAnomaly>> run(const engine::TensorMap& feed, bool histogram) {
    const size_t n = names_.size();
    std::fill(seen_.begin(), seen_.end(), 0);
    auto* max_bits = static_cast<unsigned int*>(max_bits_.ptr);
    auto* anomaly = static_cast<unsigned long long*>(anomaly_.ptr);
    auto* excess = static_cast<unsigned int*>(excess_bits_.ptr);
    const auto* hist_max = static_cast<const float*>(hist_max_.ptr);
    auto* hist = histogram ? static_cast<unsigned long long*>(hist_->ptr) : nullptr;
    RETURN_IF_ERROR(ctx_->run_device(feed, [&](const CudaContext::DeviceValue& v) -> Status {
      auto it = index_.find(v.name);
      if (it == index_.end() || seen_[it->second]) return ok_status();
      const size_t k = it->second;
      seen_[k] = 1;
      const bool half = v.dtype == DataType::kFloat16;
      const cudaError_t e = histogram
                                ? launch_abs_histogram(v.data, half, v.numel, hist_max + k, bins_,
                                                       hist + k * size_t(bins_), anomaly + k,
                                                       excess + k, max_blocks_, v.stream)
                                : launch_abs_max(v.data, half, v.numel, max_bits + k, anomaly + k,
                                                 max_blocks_, v.stream);
      return cuda_status(e, histogram ? "launch_abs_histogram" : "launch_abs_max",
                         "statistics of tensor '" + v.name + "'");
    }));
    for (size_t k = 0; k < n; ++k)
      if (!seen_[k])
        return internal_error(std::string(kWhere) + ": the CUDA context did not hand out tensor '" +
                              names_[k] + "'");
    // run_device() drained the stream: the slots are final for this sample.
    std::vector<unsigned long long> slots(n);
    CUDA_RETURN_IF_ERROR(
        cudaMemcpy(slots.data(), anomaly, n * sizeof(slots[0]), cudaMemcpyDeviceToHost), kWhere);
    for (size_t k = 0; k < n; ++k) {
      if (slots[k] == kNoAnomaly) continue;
      engine::StatsAnomaly a;
      a.tensor = k;
      a.element = static_cast<int64_t>(slots[k] >> 2);
      const unsigned kind = static_cast<unsigned>(slots[k] & 3);
      a.kind = kind == kAnomalyNaN   ? engine::StatsAnomaly::Kind::kNaN
               : kind == kAnomalyInf ? engine::StatsAnomaly::Kind::kInf
                                     : engine::StatsAnomaly::Kind::kAboveMax;
      if (a.kind == engine::StatsAnomaly::Kind::kAboveMax) {
        unsigned int bits = 0;
        CUDA_RETURN_IF_ERROR(cudaMemcpy(&bits, excess + k, sizeof(bits), cudaMemcpyDeviceToHost),
                             kWhere);
        a.value = std::bit_cast<float>(bits);
      }
      return std::optional<engine::StatsAnomaly>(a);
    }
    return std::optional<engine::StatsAnomaly>();
  }

  std::vector<std::string> names_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<char> seen_;
  std::string description_;
  int max_blocks_ = 1;
  int bins_ = 0;
  bool histograms_started_ = false;
  // Destroyed in reverse order: the context before the weights it uses and the plan whose
  // constants its host steps point into.
  std::unique_ptr<engine::Plan> plan_;
  WeightCache weights_;
  std::unique_ptr<CudaContext> ctx_;
  DeviceBuffer max_bits_, anomaly_, excess_bits_, hist_max_;
  std::unique_ptr<DeviceBuffer> hist_;
};

Result<std::unique_ptr<CudaStatsRunner>> CudaStatsRunner::create(
    const engine::Backend& backend, const ir::Graph& graph,
    const std::vector<std::string>& tensors) {
  RETURN_IF_ERROR(backend.available());
  for (const auto& n : graph.nodes()) {
    const std::string why = backend.unsupported_reason(*n);
    if (!why.empty()) return unsupported(n->describe() + ": " + why);
  }
  std::unique_ptr<CudaStatsRunner> r(new CudaStatsRunner());
  r->names_ = tensors;
  for (size_t k = 0; k < tensors.size(); ++k)
    if (!r->index_.emplace(tensors[k], k).second)
      return invalid_argument("tensor '" + tensors[k] + "' is requested twice");
  r->seen_.assign(tensors.size(), 0);

  // The plan: FP32 (TF32 off), deterministic (no tactic timing, no timing cache).
  ASSIGN_OR_RETURN(auto g, stats_graph(graph, tensors));
  r->plan_ = std::make_unique<engine::Plan>();
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
  ASSIGN_OR_RETURN(r->ctx_, CudaContext::create(*r->plan_, r->weights_));

  int device = 0, sms = 1;
  CUDA_RETURN_IF_ERROR(cudaGetDevice(&device), kWhere);
  CUDA_RETURN_IF_ERROR(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device),
                       kWhere);
  r->max_blocks_ = 2 * std::max(sms, 1);
  cudaDeviceProp prop{};
  CUDA_RETURN_IF_ERROR(cudaGetDeviceProperties(&prop, device), kWhere);
  r->description_ = "CUDA backend (" + std::string(prop.name) + ", FP32)";

  const size_t n = tensors.size();
  RETURN_IF_ERROR(alloc_filled(r->max_bits_, n * sizeof(unsigned int), 0, kWhere));  // 0.0f
  RETURN_IF_ERROR(alloc_filled(r->anomaly_, n * sizeof(unsigned long long), 0xFF, kWhere));
  RETURN_IF_ERROR(alloc_filled(r->excess_bits_, n * sizeof(unsigned int), 0, kWhere));
  RETURN_IF_ERROR(alloc_filled(r->hist_max_, n * sizeof(float), 0, kWhere));
  CUDA_RETURN_IF_ERROR(cudaDeviceSynchronize(), kWhere);  // see reset_anomalies()
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

Result<std::unique_ptr<engine::ActivationStatsRunner>> make_cuda_stats_runner(
    const engine::Backend& backend, const ir::Graph& graph,
    const std::vector<std::string>& tensors) {
  ASSIGN_OR_RETURN(auto r, CudaStatsRunner::create(backend, graph, tensors));
  return std::unique_ptr<engine::ActivationStatsRunner>(std::move(r));
}

Result<std::unique_ptr<engine::ActivationStatsRunner>> CudaBackend::make_activation_stats_runner(
    const ir::Graph& graph, const std::vector<std::string>& tensors) const {
  return make_cuda_stats_runner(*this, graph, tensors);
}

}  // namespace actrt::cuda
