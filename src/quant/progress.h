// A minimal progress display for calibration: a redrawn bar on stderr when it is a terminal,
// otherwise nothing (the caller logs [I] lines at the start and end of each pass either way, so
// logs from CI stay readable).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace actrt::quant {

class ProgressBar {
 public:
  ProgressBar(std::string label, size_t total, bool enabled);
  ~ProgressBar();
  void update(size_t done);
  void finish();

 private:
  std::string label_;
  size_t total_;
  bool enabled_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace actrt::quant
