#include "tools/stop_signal.h"

namespace hess::cli {

namespace {
// Written by the signal handler, so it has to be reachable from a plain function: the one piece of
// process-wide state, owned by the StopSignal that is alive.
std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free);

extern "C" void on_stop_signal(int sig) {
  g_signal.store(sig);
  g_stop.store(true);
}
}  // namespace

StopSignal::StopSignal() {
  g_stop.store(false);
  g_signal.store(0);
  previous_term_ = std::signal(SIGTERM, on_stop_signal);
  previous_int_ = std::signal(SIGINT, on_stop_signal);
}

StopSignal::~StopSignal() {
  std::signal(SIGTERM, previous_term_);
  std::signal(SIGINT, previous_int_);
}

const std::atomic<bool>& StopSignal::flag() const {
  return g_stop;
}

std::string StopSignal::name() const {
  switch (g_signal.load()) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    default:
      return "";
  }
}

}  // namespace hess::cli
