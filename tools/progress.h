#pragma once
// A progress line with an ETA (or, for a total of 0, unknown, the elapsed time) on stderr, redrawn
// in place, shown only when stderr is a terminal and the user did not ask for --quiet. Redraws at
// most every kRedrawSeconds.
//
//   hess::cli::Progress p(total_steps, quiet);
//   for (...) p.update(done, "loss 0.123");
//   p.finish();

#include <chrono>
#include <cstdint>
#include <string>

namespace hess::cli {

class Progress {
 public:
  Progress(int64_t total, bool quiet);
  ~Progress();
  // `done` of `total` units are finished; `note` is shown after the count.
  void update(int64_t done, const std::string& note);
  // Clears the line.
  void finish();
  bool active() const { return active_; }

 private:
  static constexpr double kRedrawSeconds = 0.2;
  int64_t total_;
  int64_t first_ = -1;  // `done` at the first update: the ETA counts only work done by this process
  bool active_;
  std::chrono::steady_clock::time_point start_, last_;
  bool drawn_ = false;
};

// "1h02m", "3m05s", "12s".
std::string format_duration(double seconds);

}  // namespace hess::cli
