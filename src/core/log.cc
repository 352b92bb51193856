#include "actrt/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace actrt {

namespace {
std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::mutex g_mutex;
}  // namespace

void set_log_level(LogLevel level) { g_level = level; }
LogLevel log_level() { return g_level; }

void log(LogLevel level, std::string_view message) {
  if (level < g_level.load()) return;
  static constexpr const char* kTags[] = {"[V] ", "[I] ", "[W] ", "[E] "};
  std::lock_guard<std::mutex> lock(g_mutex);
  std::fprintf(stderr, "%s%.*s\n", kTags[static_cast<int>(level)], static_cast<int>(message.size()),
               message.data());
}

}  // namespace actrt
