// What `actrt --version` prints about this build: written by CMake at configure time
// (tools/actrt/build_info.cc.in), so it describes the build tree the binary came from.
#pragma once

#include <string_view>

namespace actrt::cli {

struct BuildInfo {
  std::string_view version;      // project(VERSION) of the top-level CMakeLists.txt
  std::string_view git_commit;   // short hash at configure time, "unknown" outside a git checkout
  std::string_view build_type;   // CMAKE_BUILD_TYPE
  std::string_view onednn;       // oneDNN version compiled against, "" without the CPU backend
  std::string_view cuda;         // CUDA toolkit version, "" without the CUDA backend
  std::string_view cudnn;        // cuDNN version (from cudnn_version.h), "" without it
};

const BuildInfo& build_info();

}  // namespace actrt::cli
