// The F(4x4, 3x3) transforms of one line of six values (winograd_kernels.h has the algorithm):
// B^T for the input tiles, A^T for the products. Host and device code, so that the host tests
// (tests/unit/cuda/cuda_winograd_host_test.cc, run in CI) check the kernels' exact arithmetic
// against the matrices.
#pragma once

#ifdef __CUDACC__
#define ACTRT_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define ACTRT_HOST_DEVICE inline
#endif

namespace actrt::cuda {

// B^T applied to six values (one column or row of a 6x6 input tile). The pairs are grouped so
// that each output is a difference of two partial sums: fewer operations, less cancellation.
ACTRT_HOST_DEVICE void winograd_input_line(float d0, float d1, float d2, float d3, float d4,
                                           float d5, float* o) {
  const float s24 = d4 - 4.0f * d2;
  const float s13 = d3 - 4.0f * d1;
  const float p24 = d4 - d2;
  const float p13 = 2.0f * (d3 - d1);
  o[0] = 4.0f * d0 - 5.0f * d2 + d4;
  o[1] = s24 + s13;
  o[2] = s24 - s13;
  o[3] = p24 + p13;
  o[4] = p24 - p13;
  o[5] = 4.0f * d1 - 5.0f * d3 + d5;
}

// A^T applied to six values: four outputs.
ACTRT_HOST_DEVICE void winograd_output_line(float m0, float m1, float m2, float m3, float m4,
                                            float m5, float* o) {
  const float a12 = m1 + m2, s12 = m1 - m2;
  const float a34 = m3 + m4, s34 = m3 - m4;
  o[0] = m0 + a12 + a34;
  o[1] = s12 + 2.0f * s34;
  o[2] = a12 + 4.0f * a34;
  o[3] = s12 + 8.0f * s34 + m5;
}

}  // namespace actrt::cuda
