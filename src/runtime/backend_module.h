// Backends built as shared modules (the CUDA backend: libactrt_backend_cuda.so with cudart,
// cuBLASLt and cuDNN) are not linked into programs: find_backend() loads one on its first request,
// and its static initializers register the backend (docs/dev/backend-loading.md).
#pragma once

#include <string>
#include <string_view>

#include "actrt/precision.h"

namespace actrt::runtime {

// The file name of the module that holds `kind`'s backend in this build, "" when there is none
// (the backend is linked into the program, or not built at all).
std::string_view backend_module_name(BackendKind kind);

// Loads `kind`'s module: from each directory of $ACTRT_BACKEND_PATH (':'-separated), then the
// directory of the library or executable that holds this code, then its ../lib. Returns "" when
// the module was loaded, else why not (the dlerror text names a missing library). Not
// thread-safe: find_backend calls it once per kind.
std::string load_backend_module(BackendKind kind);

}  // namespace actrt::runtime
