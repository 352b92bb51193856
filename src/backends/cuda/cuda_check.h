// Turns every CUDA runtime, cuDNN and cuBLASLt failure into a Status (kDeviceError) that names
// the call and where it happened (node name, or what the backend was doing).
//
//   CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(...), "upload of 'image'");
//   CUDNN_RETURN_IF_ERROR(cudnnConvolutionBiasActivationForward(...), node_name);
//   CUBLAS_RETURN_IF_ERROR(cublasLtMatmul(...), node_name);
//   RETURN_IF_ERROR(check_launch("layer_norm", node_name));  // after every <<<>>> launch
#pragma once

#include <cublasLt.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <string>

#include "actrt/status.h"

namespace actrt::cuda {

inline Status cuda_status(cudaError_t e, const char* call, const std::string& where) {
  if (e == cudaSuccess) return ok_status();
  return device_error(std::string(call) + " failed (" + cudaGetErrorName(e) + ": " +
                      cudaGetErrorString(e) + ")" + (where.empty() ? "" : " in " + where));
}

inline Status cudnn_status(cudnnStatus_t e, const char* call, const std::string& where) {
  if (e == CUDNN_STATUS_SUCCESS) return ok_status();
  return device_error(std::string(call) + " failed (" + cudnnGetErrorString(e) + ")" +
                      (where.empty() ? "" : " in " + where));
}

inline Status cublas_status(cublasStatus_t e, const char* call, const std::string& where) {
  if (e == CUBLAS_STATUS_SUCCESS) return ok_status();
  return device_error(std::string(call) + " failed (cublasStatus " + std::to_string(int(e)) +
                      ")" + (where.empty() ? "" : " in " + where));
}

// A kernel launch reports configuration errors only through cudaGetLastError.
inline Status check_launch(const char* kernel, const std::string& where) {
  return cuda_status(cudaGetLastError(), kernel, where);
}

}  // namespace actrt::cuda

#define CUDA_RETURN_IF_ERROR(call, where) \
  RETURN_IF_ERROR(::actrt::cuda::cuda_status((call), #call, (where)))
#define CUDNN_RETURN_IF_ERROR(call, where) \
  RETURN_IF_ERROR(::actrt::cuda::cudnn_status((call), #call, (where)))
#define CUBLAS_RETURN_IF_ERROR(call, where) \
  RETURN_IF_ERROR(::actrt::cuda::cublas_status((call), #call, (where)))
