#include "backends/cuda/tactic_timer.h"

#include <algorithm>

#include "backends/cuda/cuda_check.h"

namespace actrt::cuda {

TuningScratch::~TuningScratch() {
  for (void* p : buffers_) cudaFree(p);
}

Result<void*> TuningScratch::alloc(size_t bytes) {
  void* p = nullptr;
  const cudaError_t e = cudaMalloc(&p, std::max<size_t>(bytes, 256));
  if (e != cudaSuccess) {
    cudaGetLastError();  // out of memory is not sticky: keep it from reaching the next launch
    return cuda_status(e, "cudaMalloc", where_ + " tuning");
  }
  buffers_.push_back(p);
  CUDA_RETURN_IF_ERROR(cudaMemset(p, 0x2c, bytes), where_ + " tuning");
  return p;
}

Result<double> time_tactic(cudaStream_t stream, const std::function<Status()>& run,
                           const std::string& where) {
  Status st = run();
  if (st.ok()) st = cuda_status(cudaStreamSynchronize(stream), "cudaStreamSynchronize", where);
  if (!st.ok()) {
    cudaGetLastError();  // a refused tactic must not poison the next one
    return st;
  }
  cudaEvent_t e0 = nullptr, e1 = nullptr;
  st = cuda_status(cudaEventCreate(&e0), "cudaEventCreate", where);
  if (st.ok()) st = cuda_status(cudaEventCreate(&e1), "cudaEventCreate", where);
  if (st.ok()) st = cuda_status(cudaEventRecord(e0, stream), "cudaEventRecord", where);
  for (int i = 0; st.ok() && i < kTimedRuns; ++i) st = run();
  if (st.ok()) st = cuda_status(cudaEventRecord(e1, stream), "cudaEventRecord", where);
  if (st.ok()) st = cuda_status(cudaEventSynchronize(e1), "cudaEventSynchronize", where);
  float ms = 0;
  if (st.ok()) st = cuda_status(cudaEventElapsedTime(&ms, e0, e1), "cudaEventElapsedTime", where);
  if (e0) cudaEventDestroy(e0);
  if (e1) cudaEventDestroy(e1);
  if (!st.ok()) {
    cudaGetLastError();
    return st;
  }
  return double(ms) / kTimedRuns;
}

}  // namespace actrt::cuda
