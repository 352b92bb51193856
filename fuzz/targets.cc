#include "targets.h"

#include <array>
#include <mutex>

#include "actrt/log.h"

namespace actrt::fuzz {

std::span<const Target> all_targets() {
  static constexpr std::array<Target, 8> kTargets = {{
      {"onnx_import", onnx_import},
      {"engine_file", engine_file},
      {"calibration_cache", calibration_cache},
      {"npy", npy},
      {"npz", npz},
      {"json", json},
      {"norm_stats", norm_stats},
      {"hdf5_episode", hdf5_episode},
  }};
  return kTargets;
}

void quiet_logs() {
  static std::once_flag once;
  std::call_once(once, [] { set_log_level(LogLevel::kError); });
}

}  // namespace actrt::fuzz
