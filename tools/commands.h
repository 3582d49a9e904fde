#pragma once
// The table of `hessian` commands. Each command lives in tools/cmd_<name>.cpp and is listed once in
// tools/commands.cpp.

#include <string>
#include <string_view>
#include <vector>

#include "tools/prepared_command.h"

namespace hess::cli {

// A command receives its arguments (after the command name) and returns the exit code.
using CommandFn = int (*)(const std::vector<std::string>& args);

struct Command {
  std::string_view name;
  std::string_view summary;
  CommandFn run;
  // How the command is prepared from its flags (tools/prepared_command.h), for the commands that
  // the Python module calls too; null for the others.
  PrepareFn prepare = nullptr;
};

const std::vector<Command>& commands();

int run_info(const std::vector<std::string>& args);
int run_import(const std::vector<std::string>& args);
int run_plot(const std::vector<std::string>& args);
int run_report(const std::vector<std::string>& args);
int run_train(const std::vector<std::string>& args);

}  // namespace hess::cli
