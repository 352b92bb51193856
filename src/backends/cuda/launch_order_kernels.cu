// The stream barrier of launch_order.h: a kernel that does nothing.
#include "backends/cuda/launch_order.h"

namespace actrt::cuda {
namespace {

__global__ void stream_barrier_kernel() {}

}  // namespace

cudaError_t launch_stream_barrier(cudaStream_t stream) {
  stream_barrier_kernel<<<1, 1, 0, stream>>>();
  return cudaGetLastError();
}

}  // namespace actrt::cuda
