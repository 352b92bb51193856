// libFuzzer's entry point for one target; CMake compiles this file once per target with
// ACTRT_FUZZ_FUNCTION naming the function of fuzz/targets.h (fuzz/CMakeLists.txt).
#include <cstddef>
#include <cstdint>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return actrt::fuzz::ACTRT_FUZZ_FUNCTION(actrt::fuzz::FuzzInput(data, size));
}
