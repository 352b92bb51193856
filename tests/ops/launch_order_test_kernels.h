// Test kernels for tests/ops/cuda_launch_order_test.cc (cuda_launch_order_kernels.cu): a writer
// that lets its dependent start at once, and a dependent that reads without waiting, the
// pattern that launch_order.h guards against.
#pragma once

#include <cuda_runtime.h>

namespace actrt::cuda_test {

// Lets the next programmatically dependent launch start immediately, then spins for about
// `spin_cycles` clock cycles and writes data[i] = value for i < n.
cudaError_t launch_early_trigger_writer(int* data, int n, int value, long long spin_cycles,
                                        cudaStream_t stream);

// out[i] = data[i] for i < n, launched with programmatic stream serialization allowed and
// reading without cudaGridDependencySynchronize(): it may read before the writer above is done.
cudaError_t launch_unsynchronized_reader(const int* data, int* out, int n, cudaStream_t stream);

}  // namespace actrt::cuda_test
