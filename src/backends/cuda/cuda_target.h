// What a CUDA engine records about the machine it was tuned on, and whether it may run here.
//
// The target string (Plan::target, the engine file's TARGET section) of a CUDA plan is
//
//   "sm_<major><minor>;cudnn=<major>.<minor>.<patch>;cublasLt=<major>.<minor>.<patch>"
//   e.g. "sm_90;cudnn=9.19.0;cublasLt=13.0.2"
//
// Engines written before the library versions were recorded say only "sm_90"; they load where
// the architecture matches. The decision is a pure function of the two targets (no CUDA call),
// so it is unit-tested without a GPU (tests/unit/cuda/cuda_target_test.cc).
//
// Why refuse: cuDNN engine and cuBLASLt algorithm choices are timed on one GPU architecture and
// stored by index or engine id; on another architecture they may not exist or be slow, and a new
// cuDNN major version renumbers its engines. A minor or patch version difference runs (the
// choices are re-validated when a context is created) with a warning that a rebuild may be
// faster.
#pragma once

#include <string>
#include <string_view>

#include "actrt/status.h"

namespace actrt::cuda {

struct LibraryVersion {
  int major = 0, minor = 0, patch = 0;
  bool known() const { return major > 0; }
  bool operator==(const LibraryVersion&) const = default;
};

struct CudaTarget {
  int sm = 0;  // compute capability as major * 10 + minor (90 for sm_90, 120 for sm_120)
  LibraryVersion cudnn;
  LibraryVersion cublaslt;
};

// cudnnGetVersion()'s number as a version (cuDNN 9: major * 10000 + minor * 100 + patch; cuDNN 8
// and older: major * 1000 + minor * 100 + patch).
LibraryVersion cudnn_version_from(long number);
// cublasLtGetVersion()'s number (major * 10000 + minor * 100 + patch).
LibraryVersion cublaslt_version_from(long number);

// The target string above; the inverse of parse_cuda_target.
std::string format_cuda_target(const CudaTarget& target);
// Parses a target string ("sm_90" alone included); the error quotes the string.
Result<CudaTarget> parse_cuda_target(std::string_view text);

struct TargetVerdict {
  Status status;        // ok: the engine runs here; else kVersionMismatch saying what to do
  std::string warning;  // non-empty: it runs, but the user should know (minor versions differ)
};

// Whether an engine tuned for `built` runs on `here` (the current GPU and libraries).
TargetVerdict check_cuda_target(const CudaTarget& built, const CudaTarget& here);

}  // namespace actrt::cuda
