#pragma once
// The command line's runs::Observer: progress with an ETA on stderr when it is a terminal (not
// with --quiet), warnings as `hessian: warning: …` lines, and SIGINT/SIGTERM as a request to stop
// (tools/stop_signal.h).
//
//   hess::cli::TerminalObserver observer(printing.quiet);
//   hess::Record r = hess::runs::trace(run, observer);

#include <memory>
#include <string>

#include "runs/observer.h"
#include "tools/progress.h"
#include "tools/stop_signal.h"

namespace hess::cli {

class TerminalObserver final : public runs::Observer {
 public:
  explicit TerminalObserver(bool quiet) : quiet_(quiet) {}
  void progress(int64_t done, int64_t total, const std::string& unit) override;
  void finished() override;
  void warn(const std::string& message) override;
  const std::atomic<bool>* cancel() const override;
  std::string stop_reason() const override { return stop_ ? stop_->name() : std::string(); }

 private:
  bool quiet_;
  mutable std::unique_ptr<StopSignal> stop_;  // installed by the first cancel()
  std::unique_ptr<Progress> bar_;
  int64_t bar_total_ = -1;
};

}  // namespace hess::cli
