// Kernels of launch_order_test_kernels.h.
#include "launch_order_test_kernels.h"

namespace actrt::cuda_test {
namespace {

__global__ void early_trigger_writer(int* data, int n, int value, long long spin_cycles) {
  // Programmatic dependent launch exists from sm_90 on (griddepcontrol); before it, launches on
  // one stream are always serialized and there is no early trigger to test.
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  cudaTriggerProgrammaticLaunchCompletion();
#endif
  const long long start = clock64();
  while (clock64() - start < spin_cycles) {
  }
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
    data[i] = value;
}

__global__ void unsynchronized_reader(const int* data, int* out, int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
    out[i] = data[i];
}

}  // namespace

cudaError_t launch_early_trigger_writer(int* data, int n, int value, long long spin_cycles,
                                        cudaStream_t stream) {
  early_trigger_writer<<<4, 256, 0, stream>>>(data, n, value, spin_cycles);
  return cudaGetLastError();
}

cudaError_t launch_unsynchronized_reader(const int* data, int* out, int n, cudaStream_t stream) {
  cudaLaunchConfig_t config{};
  config.gridDim = dim3(4);
  config.blockDim = dim3(256);
  config.stream = stream;
  cudaLaunchAttribute attr{};
  attr.id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attr.val.programmaticStreamSerializationAllowed = 1;
  config.attrs = &attr;
  config.numAttrs = 1;
  return cudaLaunchKernelEx(&config, unsynchronized_reader, data, out, n);
}

}  // namespace actrt::cuda_test
