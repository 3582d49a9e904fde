#include "python/interrupt_observer.h"

#include "engine/field_error.h"
#include "python/python_errors.h"

namespace hess::python {

namespace {

// Set by SIGINT while a call runs; one call runs at a time (each holds the GIL to start).
std::atomic<bool> g_sigint{false};

extern "C" void on_sigint(int) {
  g_sigint.store(true);
}

}  // namespace

InterruptObserver::InterruptObserver() : caller_(std::this_thread::get_id()) {
  g_sigint.store(false);
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &previous_);
}

InterruptObserver::~InterruptObserver() {
  sigaction(SIGINT, &previous_, nullptr);
}

void InterruptObserver::progress(int64_t, int64_t, const std::string&) {
  if (g_sigint.load() && !cancel_asked_ && std::this_thread::get_id() == caller_)
    throw Interrupted();
}

const std::atomic<bool>* InterruptObserver::cancel() const {
  cancel_asked_ = true;
  return &g_sigint;
}

void InterruptObserver::warn(const std::string& message) {
  warnings_.push_back(name_fields(message, [](const std::string& field) { return field; }));
}

bool InterruptObserver::interrupted() const {
  return g_sigint.load();
}

}  // namespace hess::python
