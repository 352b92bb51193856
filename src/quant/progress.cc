#include "quant/progress.h"

#include <unistd.h>

#include <cstdio>

namespace actrt::quant {

ProgressBar::ProgressBar(std::string label, size_t total, bool enabled)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled && isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()) {
  update(0);
}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(size_t done) {
  if (!enabled_ || finished_ || total_ == 0) return;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * done / total_);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, ' ');
  std::fprintf(stderr, "\r[I] %s [%s] %zu/%zu  %.1f s", label_.c_str(), bar.c_str(), done, total_, s);
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

}  // namespace actrt::quant
