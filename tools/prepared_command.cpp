#include "tools/prepared_command.h"

#include <cassert>

#include "tools/print.h"
#include "tools/terminal_observer.h"

namespace hess::cli {

Flags& PreparedCommand::define_flags(std::string command, std::string synopsis,
                                     std::string examples) {
  flags_.emplace(std::move(command), std::move(synopsis), std::move(examples));
  return *flags_;
}

void PreparedCommand::bind(runs::Inputs* inputs, runs::Output* output,
                           std::function<void(const Flags&)> adjust,
                           std::function<Record(runs::Observer&)> call) {
  inputs_ = inputs;
  output_ = output;
  adjust_ = std::move(adjust);
  call_ = std::move(call);
}

void PreparedCommand::after_parse() {
  assert(flags_ && call_);
  if (output_) output_->command_line = flags_->command_line();
  if (adjust_) adjust_(*flags_);
}

Record PreparedCommand::run(runs::Observer& observer) const {
  return flags_->call([&] { return call_(observer); });
}

int run_prepared(PrepareFn prepare, const std::vector<std::string>& args) {
  PreparedCommand c;
  prepare(c);
  if (!c.flags().parse(args)) return kExitOk;
  c.after_parse();
  TerminalObserver observer(c.printing.quiet || c.printing.json);
  print(c.run(observer), c.printing);
  return kExitOk;
}

}  // namespace hess::cli
