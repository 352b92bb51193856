// Polygraphy-style logging: [V] verbose, [I] info, [W] warning, [E] error, to stderr.
#pragma once

#include <string_view>

namespace actrt {

enum class LogLevel { kVerbose = 0, kInfo = 1, kWarning = 2, kError = 3 };

void set_log_level(LogLevel level);
LogLevel log_level();
void log(LogLevel level, std::string_view message);
inline void log_verbose(std::string_view m) { log(LogLevel::kVerbose, m); }
inline void log_info(std::string_view m) { log(LogLevel::kInfo, m); }
inline void log_warning(std::string_view m) { log(LogLevel::kWarning, m); }
inline void log_error(std::string_view m) { log(LogLevel::kError, m); }

}  // namespace actrt
