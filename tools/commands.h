#pragma once
// The table of `hessian` commands. Each command lives in tools/cmd_<name>.cpp and is listed once in
// tools/commands.cpp.

#include <string>
#include <string_view>
#include <vector>

namespace hess::cli {

// A command receives its arguments (after the command name) and returns the exit code.
using CommandFn = int (*)(const std::vector<std::string>& args);

struct Command {
  std::string_view name;
  std::string_view summary;
  CommandFn run;
};

const std::vector<Command>& commands();

int run_density(const std::vector<std::string>& args);
int run_eos(const std::vector<std::string>& args);
int run_diag(const std::vector<std::string>& args);
int run_eigen(const std::vector<std::string>& args);
int run_info(const std::vector<std::string>& args);
int run_import(const std::vector<std::string>& args);
int run_landscape(const std::vector<std::string>& args);
int run_plot(const std::vector<std::string>& args);
int run_report(const std::vector<std::string>& args);
int run_roughness(const std::vector<std::string>& args);
int run_sensitivity(const std::vector<std::string>& args);
int run_sharpness(const std::vector<std::string>& args);
int run_trace(const std::vector<std::string>& args);
int run_train(const std::vector<std::string>& args);

}  // namespace hess::cli
