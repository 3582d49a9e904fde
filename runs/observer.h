#pragma once
// How a run talks to whoever started it while it works: progress, warnings, and a request to
// stop. The command line shows progress with an ETA on a terminal and prints warnings as
// `hessian: warning: …`; the Python module checks for KeyboardInterrupt; tests ignore it all.
//
//   hess::runs::Observer quiet;                       // does nothing
//   hess::runs::Outcome o = hess::runs::eigen(run, quiet);

#include <atomic>
#include <cstdint>
#include <string>

namespace hess::runs {

class Observer {
 public:
  virtual ~Observer() = default;
  // `done` of `total` units are finished (total 0: unknown); `unit` names them ("HVPs").
  virtual void progress(int64_t done, int64_t total, const std::string& unit) {
    (void)done;
    (void)total;
    (void)unit;
  }
  // Work ended (clears a progress line).
  virtual void finished() {}
  // A warning; it may name an option field as {field} (as FieldError does: "{threads} 64 is more
  // than the 2 cores of this machine"), which the command line shows as the flag (--threads).
  virtual void warn(const std::string& message) { (void)message; }
  // Set when the run should stop as soon as it can, keeping what is done; null when nobody asks.
  // Only runs that keep their progress when stopped (landscape grids, training, eos series) ask
  // for it, when they start: asking turns the command line's SIGINT/SIGTERM from an exit that
  // leaves nothing behind (tools/exit_on_signal.h) into this request.
  virtual const std::atomic<bool>* cancel() const { return nullptr; }
  // What asked to stop ("SIGTERM", "KeyboardInterrupt"), once cancel() is set.
  virtual std::string stop_reason() const { return "a request to stop"; }
};

}  // namespace hess::runs
