#include "tools/stop_signal.h"

namespace hess::cli {

namespace {
volatile std::sig_atomic_t g_stop_signal = 0;  // written only by the handler below
extern "C" void on_stop_signal(int sig) {
  g_stop_signal = sig;
}
}  // namespace

StopSignal::StopSignal() {
  g_stop_signal = 0;
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
}

StopSignal::~StopSignal() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

bool StopSignal::requested() const {
  return g_stop_signal != 0;
}

int StopSignal::signal_number() const {
  return static_cast<int>(g_stop_signal);
}

}  // namespace hess::cli
