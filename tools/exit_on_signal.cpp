#include "tools/exit_on_signal.h"

#include <signal.h>
#include <unistd.h>

#include <cstring>

#include "io/temporary_files.h"
#include "tools/cli_error.h"

namespace hess::cli {

namespace {

void say(const char* text) {
  const ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

extern "C" void on_exit_signal(int sig) {
  remove_tracked_temporaries();
  say("hessian: error: interrupted by ");
  say(sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP");
  say(": nothing written (existing files are as they were)\n");
  ::_exit(kExitRuntime);
}

}  // namespace

void exit_on_signal() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_exit_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    sigaddset(&sa.sa_mask, sig);
  }
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
}

}  // namespace hess::cli
