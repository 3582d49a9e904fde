// hessian: the command-line program. `hessian <command> [options]`; `hessian <command> --help`.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "dist/cluster.h"
#include "engine/numerical_error.h"
#include "engine/shown_name.h"
#include "tools/cli_error.h"
#include "tools/commands.h"
#include "tools/exit_on_signal.h"

namespace {

void print_usage(std::FILE* to) {
  std::fprintf(to, "usage: hessian <command> [options]\n\nCommands:\n");
  for (const hess::cli::Command& c : hess::cli::commands()) {
    std::fprintf(to, "  %-12.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data());
  }
  std::fprintf(to, "\n`hessian <command> --help` describes a command's options, with examples.\n");
}

int fail(const char* what, int code) {
  std::string line = hess::shorten_long_words(what);
  for (char& ch : line) {
    if (ch == '\n') ch = ' ';
  }
  std::fprintf(stderr, "hessian: error: %s\n", line.c_str());
  return code;
}

// The command line's exit code for an error (tools/cli_error.h), also for one met on another rank.
int exit_code_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const hess::cli::UsageError&) {
    return hess::cli::kExitUsage;
  } catch (const hess::dist::RemoteFailure& e) {
    return e.code;
  } catch (...) {
    return hess::cli::kExitRuntime;
  }
}

// Runs the command; an error becomes its exit code and message.
int run(const hess::cli::Command& c, const std::vector<std::string>& args, std::string& message) {
  try {
    return c.run(args);
  } catch (const std::exception& e) {
    message = e.what();
    return exit_code_of(std::current_exception());
  }
}

// What the program does for its arguments, on this rank.
int dispatch(int argc, char** argv, std::string& message) {
  using namespace hess::cli;
  if (argc < 2) {
    print_usage(stderr);
    return kExitUsage;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(stdout);
    return kExitOk;
  }
  if (name == "--version") {
    std::printf("hessian %s\n", HESS_VERSION);
    return kExitOk;
  }
  exit_on_signal();
  const std::vector<std::string> args(argv + 2, argv + argc);
  for (const Command& c : commands()) {
    if (c.name == name) return run(c, args, message);
  }
  std::string known;
  for (const Command& c : commands()) known += (known.empty() ? "" : ", ") + std::string(c.name);
  message = "unknown command '" + name + "'; commands: " + known;
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  // Under mpirun every rank runs the command; the first failing rank's error ends all of them and
  // rank 0 prints it (the other ranks' output goes nowhere).
  hess::dist::start(argc, argv, exit_code_of);
  std::string message;
  const int code = dispatch(argc, argv, message);
  const bool root = hess::dist::rank() == 0;
  const hess::dist::Outcome o = hess::dist::finish(code, message);
  // The other ranks end with 0 once the outcome is agreed: a rank exiting with a failure code makes
  // mpirun end the rest, and rank 0 would then be stopped while printing the agreed error. Rank 0
  // exits with the agreed code, which mpirun returns.
  if (!root) return hess::cli::kExitOk;
  if (o.code != hess::cli::kExitOk && !o.message.empty()) return fail(o.message.c_str(), o.code);
  return o.code;
}
