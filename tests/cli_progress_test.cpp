// Progress on a terminal (tools/progress.h): a command run with its stderr on a pseudo-terminal, as
// a user runs it, redraws a progress line with an ETA (or the elapsed time for work of unknown
// size); with --quiet, or with stderr not a terminal, it prints nothing but its result.
#include <doctest/doctest.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "support/run_cli.h"
#include "support/scratch_dir.h"
#include "tools/progress.h"

using namespace hess::test;

namespace {

struct TerminalRun {
  int code = -1;
  std::string terminal;  // stdout and stderr as the terminal showed them
};

// Runs the program with stdin, stdout and stderr on a new pseudo-terminal.
TerminalRun run_on_terminal(const std::vector<std::string>& args, const std::string& workdir) {
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (chdir(workdir.c_str()) != 0) _exit(127);
    exec_hessian(args);
  }
  TerminalRun r;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(master, buf, sizeof buf);
    if (n > 0) {
      r.terminal.append(buf, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;  // EIO: the child closed the terminal
    }
  }
  close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

const std::vector<std::string> kTrace = {"trace",
                                         "--model",
                                         bundled_sample("digits-mlp.h5"),
                                         "--data",
                                         bundled_sample("digits.h5"),
                                         "--method",
                                         "hutchinson",
                                         "--probes",
                                         "400",
                                         "--rtol",
                                         "0",
                                         "--out",
                                         "t.h5"};

}  // namespace

TEST_CASE("a long trace on a terminal shows its progress with an ETA") {
  ScratchDir dir;
  const TerminalRun r = run_on_terminal(kTrace, dir.path());
  CAPTURE(r.terminal);
  REQUIRE(r.code == 0);
  CHECK(r.terminal.find("/400") != std::string::npos);
  CHECK(r.terminal.find("ETA ") != std::string::npos);
  CHECK(r.terminal.find("\r\033[K") != std::string::npos);  // redrawn in place, then cleared
}

TEST_CASE("--quiet on a terminal, or stderr not a terminal: no progress") {
  ScratchDir dir;
  std::vector<std::string> quiet = kTrace;
  quiet.push_back("--quiet");
  const TerminalRun q = run_on_terminal(quiet, dir.path());
  CAPTURE(q.terminal);
  REQUIRE(q.code == 0);
  CHECK(q.terminal.find("ETA") == std::string::npos);
  const CliRun piped = run_hessian(kTrace, dir.path());
  REQUIRE(piped.code == 0);
  CHECK(piped.err.empty());
}

TEST_CASE("durations as the progress line shows them") {
  CHECK(hess::cli::format_duration(0.4) == "0s");
  CHECK(hess::cli::format_duration(12.4) == "12s");
  CHECK(hess::cli::format_duration(185) == "3m05s");
  CHECK(hess::cli::format_duration(3720) == "1h02m");
  CHECK(hess::cli::format_duration(-3) == "0s");
}
