#pragma once
// SIGTERM and SIGINT as a request to stop cleanly: long commands (landscape grids) install a
// StopSignal, pass its flag to the analyzer as the cancel flag, and on return keep what is done
// (the progress file) and exit with the runtime-failure code naming the signal.
//
//   hess::cli::StopSignal stop;                       // handlers installed
//   hooks.cancel = &stop.flag();
//   ... run ...
//   if (stop.received()) throw std::runtime_error("interrupted by " + stop.name() + "; rerun to
//   resume");
//
// The handler only stores to a lock-free std::atomic (async-signal-safe). The previous handlers are
// restored when the StopSignal is destroyed. One StopSignal at a time.

#include <atomic>
#include <csignal>
#include <string>

namespace hess::cli {

class StopSignal {
 public:
  StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;
  ~StopSignal();

  const std::atomic<bool>& flag() const;
  bool received() const { return flag().load(); }
  // "SIGTERM", "SIGINT", or "" when none was received.
  std::string name() const;

 private:
  using Handler = void (*)(int);
  Handler previous_term_ = SIG_DFL;
  Handler previous_int_ = SIG_DFL;
};

}  // namespace hess::cli
