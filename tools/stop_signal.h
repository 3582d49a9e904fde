#pragma once
// Ctrl-C and SIGTERM as a polite request to stop. install() points SIGINT and SIGTERM at a handler
// that only sets a flag (the one thing a signal handler may safely do); a long-running command
// checks requested() between steps, saves what it has and closes its files before exiting. The
// flag is the process's one piece of global state, because a signal handler can reach nothing else.
//
//   hess::cli::StopSignal stop;          // installs; the previous handlers return on destruction
//   while (!stop.requested()) { ... }

#include <csignal>

namespace hess::cli {

class StopSignal {
 public:
  StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;
  ~StopSignal();

  bool requested() const;
  // The signal that asked to stop (SIGINT or SIGTERM), 0 when none did.
  int signal_number() const;

 private:
  struct sigaction old_int_ {
  }, old_term_{};
};

}  // namespace hess::cli
