// actrt's version, written into engine files as the producer version.
#pragma once

#include <string_view>

namespace actrt {

inline constexpr int kVersionMajor = 0;
inline constexpr int kVersionMinor = 1;
inline constexpr int kVersionPatch = 0;
std::string_view version_string();  // "0.1.0"

}  // namespace actrt
