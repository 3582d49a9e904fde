// hessian: the command-line program. `hessian <command> [options]`; `hessian <command> --help`.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

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

}  // namespace

int main(int argc, char** argv) {
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
    if (c.name != name) continue;
    try {
      return c.run(args);
    } catch (const UsageError& e) {
      return fail(e.what(), kExitUsage);
    } catch (const std::exception& e) {
      return fail(e.what(), kExitRuntime);
    }
  }
  std::string known;
  for (const Command& c : commands()) known += (known.empty() ? "" : ", ") + std::string(c.name);
  return fail(("unknown command '" + name + "'; commands: " + known).c_str(), kExitUsage);
}
