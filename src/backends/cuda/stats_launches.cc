#include "backends/cuda/stats_launches.h"

#include "actrt/log.h"
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/stats_kernels.h"

namespace actrt::cuda {

namespace {

Status launch_one(const StatsTensor& t, StatsPass pass, const StatsSlots& s, cudaStream_t stream) {
  const size_t k = t.slot;
  const bool histogram = pass == StatsPass::kHistogram;
  const cudaError_t e = histogram
                            ? launch_abs_histogram(t.data, t.half, t.numel, s.hist_max + k, s.bins,
                                                   s.histograms + k * size_t(s.bins), s.anomaly + k,
                                                   s.excess_bits + k, s.max_blocks, stream)
                            : launch_abs_max(t.data, t.half, t.numel, s.max_bits + k, s.anomaly + k,
                                             s.max_blocks, stream);
  return cuda_status(e, histogram ? "launch_abs_histogram" : "launch_abs_max",
                     "statistics of tensor '" + t.name + "'");
}

}  // namespace

Status launch_stats(const std::vector<StatsTensor>& tensors, StatsPass pass,
                    const StatsSlots& slots, cudaStream_t stream) {
  for (const StatsTensor& t : tensors) RETURN_IF_ERROR(launch_one(t, pass, slots, stream));
  return ok_status();
}

StatsLaunchGraph::~StatsLaunchGraph() {
  if (exec_) cudaGraphExecDestroy(exec_);
  for (cudaEvent_t e : events_)
    if (e) cudaEventDestroy(e);
  for (cudaStream_t s : branches_)
    if (s) cudaStreamDestroy(s);
}

Status StatsLaunchGraph::enqueue(cudaStream_t stream) {
  if (tensors_.empty()) return ok_status();
  const int call = calls_++;
  if (!exec_ && call >= 1 && !capture_failed_) {
    const Status st = capture(stream);
    if (!st.ok()) {
      cudaGetLastError();  // a failed capture must not fail the next launch
      capture_failed_ = true;
      log_verbose("CUDA calibration: statistics kernels not captured in a CUDA graph (" +
                  st.message() + "); launching them one by one");
    }
  }
  if (!exec_) return launch_stats(tensors_, pass_, slots_, stream);
  CUDA_RETURN_IF_ERROR(cudaGraphLaunch(exec_, stream), "CUDA graph of calibration statistics");
  return ok_status();
}

Status StatsLaunchGraph::capture(cudaStream_t stream) {
  const std::string where = "capture of the calibration statistics";
  if (branches_.empty()) {
    for (int b = 0; b < kBranches; ++b) {
      cudaStream_t s = nullptr;
      CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), where);
      branches_.push_back(s);
    }
    for (int e = 0; e <= kBranches; ++e) {
      cudaEvent_t ev = nullptr;
      CUDA_RETURN_IF_ERROR(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming), where);
      events_.push_back(ev);
    }
  }
  CUDA_RETURN_IF_ERROR(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), where);
  // Fork: every branch waits for what `stream` captured so far (nothing: the branches are roots);
  // join: `stream` waits for every branch, so that the graph ends when all kernels have.
  const Status enqueued = [&]() -> Status {
    CUDA_RETURN_IF_ERROR(cudaEventRecord(events_[0], stream), where);
    for (cudaStream_t s : branches_)
      CUDA_RETURN_IF_ERROR(cudaStreamWaitEvent(s, events_[0], 0), where);
    for (size_t i = 0; i < tensors_.size(); ++i)
      RETURN_IF_ERROR(launch_one(tensors_[i], pass_, slots_, branches_[i % branches_.size()]));
    for (size_t b = 0; b < branches_.size(); ++b) {
      CUDA_RETURN_IF_ERROR(cudaEventRecord(events_[1 + b], branches_[b]), where);
      CUDA_RETURN_IF_ERROR(cudaStreamWaitEvent(stream, events_[1 + b], 0), where);
    }
    return ok_status();
  }();
  cudaGraph_t graph = nullptr;
  const cudaError_t end = cudaStreamEndCapture(stream, &graph);
  Status st = enqueued.ok() ? cuda_status(end, "cudaStreamEndCapture", where) : enqueued;
  if (st.ok())
    st = cuda_status(cudaGraphInstantiate(&exec_, graph, 0), "cudaGraphInstantiate", where);
  if (graph) cudaGraphDestroy(graph);
  if (!st.ok()) exec_ = nullptr;
  return st;
}

}  // namespace actrt::cuda
