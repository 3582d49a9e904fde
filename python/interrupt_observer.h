#pragma once
// The Python module's runs::Observer: warnings kept for Python's `warnings` module, and Ctrl-C.
// While a call runs (with the GIL released), SIGINT only sets a flag: a run that keeps its
// progress when stopped (landscape grids, eos series) sees it through cancel() and stops with what
// it has; any other run is stopped at its next product or point by an Interrupted exception thrown
// from progress() on the calling thread. Python's handler is back when the observer is destroyed,
// and the caller raises KeyboardInterrupt when interrupted() is set.
//
//   hess::python::InterruptObserver observer;      // installs the SIGINT handler
//   { pybind11::gil_scoped_release free; record = c.run(observer); }
//   if (observer.interrupted()) throw hess::python::Interrupted();

#include <atomic>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "runs/observer.h"

namespace hess::python {

class InterruptObserver final : public runs::Observer {
 public:
  InterruptObserver();
  ~InterruptObserver() override;
  InterruptObserver(const InterruptObserver&) = delete;
  InterruptObserver& operator=(const InterruptObserver&) = delete;

  void progress(int64_t done, int64_t total, const std::string& unit) override;
  // A {field} in the message is named as the keyword argument that sets it.
  void warn(const std::string& message) override;
  const std::atomic<bool>* cancel() const override;
  std::string stop_reason() const override { return "KeyboardInterrupt"; }

  bool interrupted() const;
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  struct sigaction previous_ {};
  std::thread::id caller_;
  mutable bool cancel_asked_ = false;
  std::vector<std::string> warnings_;
};

}  // namespace hess::python
