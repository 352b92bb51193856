#include "actrt/version.h"

namespace actrt {
std::string_view version_string() { return "0.1.0"; }
}  // namespace actrt
