#include "tools/progress.h"

#include <unistd.h>

#include <cstdio>

namespace hess::cli {

std::string format_duration(double seconds) {
  const long s = seconds < 0 ? 0 : static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lds", s);
  }
  return buf;
}

Progress::Progress(int64_t total, bool quiet)
    : total_(total),
      active_(!quiet && isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

Progress::~Progress() {
  finish();
}

void Progress::update(int64_t done, const std::string& note) {
  if (!active_) return;
  if (first_ < 0) first_ = done;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && (total_ <= 0 || done < total_) &&
      std::chrono::duration<double>(now - last_).count() < kRedrawSeconds)
    return;
  last_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (total_ <= 0) {
    // Work of unknown size (an eigensolver): the count and the time so far.
    std::fprintf(stderr, "\r\033[K%lld %s  %s", static_cast<long long>(done), note.c_str(),
                 format_duration(elapsed).c_str());
  } else {
    std::string eta = "?";
    if (done > first_)
      eta = format_duration(elapsed / static_cast<double>(done - first_) *
                            static_cast<double>(total_ - done));
    std::fprintf(stderr, "\r\033[K%lld/%lld  %s  ETA %s", static_cast<long long>(done),
                 static_cast<long long>(total_), note.c_str(), eta.c_str());
  }
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::finish() {
  if (active_ && drawn_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
  drawn_ = false;
}

}  // namespace hess::cli
