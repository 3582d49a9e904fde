#pragma once
// A command's flags parsed onto the run it makes, ready to run: what the command line runs and
// prints, and what the Python module (python/) runs with its keyword arguments, so both take the
// same names, defaults, checks and messages from one flag table.
//
//   hess::cli::PreparedCommand c;
//   hess::cli::prepare_eigen(c);                     // the flags, bound to a run c owns
//   if (!c.flags().parse({"--model", "m.h5", "--k", "3"})) return;   // --help was printed
//   c.after_parse();
//   hess::Record r = c.run(observer);               // FieldErrors name the flags typed

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "io/record.h"
#include "runs/observer.h"
#include "runs/output.h"
#include "runs/workspace.h"
#include "tools/common_flags.h"
#include "tools/flags.h"

namespace hess::cli {

class PreparedCommand {
 public:
  PreparedCommand() = default;
  PreparedCommand(const PreparedCommand&) = delete;
  PreparedCommand& operator=(const PreparedCommand&) = delete;

  // The run the flags are bound to, owned by this object.
  template <class Run>
  Run& own() {
    auto run = std::make_shared<Run>();
    run_ = run;
    return *run;
  }
  Flags& define_flags(std::string command, std::string synopsis, std::string examples);
  Flags& flags() { return *flags_; }
  const Flags& flags() const { return *flags_; }

  // What the command does once its flags are parsed: `adjust` settles what depends on which flags
  // were given (may be empty), `call` runs the library.
  void bind(runs::Inputs* inputs, runs::Output* output, std::function<void(const Flags&)> adjust,
            std::function<Record(runs::Observer&)> call);
  // Applies `adjust`; call once, after flags().parse.
  void after_parse();
  // The run's inputs (the Python module gives them in-memory data) and output; null when the
  // command has none.
  runs::Inputs* inputs() const { return inputs_; }
  runs::Output* output() const { return output_; }
  // Runs the library call; a FieldError or std::invalid_argument becomes a UsageError naming the
  // flag (Flags::call).
  Record run(runs::Observer& observer) const;

  Printing printing;

 private:
  std::optional<Flags> flags_;
  std::shared_ptr<void> run_;
  runs::Inputs* inputs_ = nullptr;
  runs::Output* output_ = nullptr;
  std::function<void(const Flags&)> adjust_;
  std::function<Record(runs::Observer&)> call_;
};

// Defines a command's flags on `c` (bound to a run it owns) and what runs it.
using PrepareFn = void (*)(PreparedCommand& c);

// The command line's way to run a prepared command: parse `args`, run it with a TerminalObserver,
// print the record. Returns the exit code (errors are thrown, tools/cli_error.h).
int run_prepared(PrepareFn prepare, const std::vector<std::string>& args);

void prepare_density(PreparedCommand& c);
void prepare_diag(PreparedCommand& c);
void prepare_eigen(PreparedCommand& c);
void prepare_eos(PreparedCommand& c);
void prepare_landscape(PreparedCommand& c);
void prepare_roughness(PreparedCommand& c);
void prepare_sensitivity(PreparedCommand& c);
void prepare_sharpness(PreparedCommand& c);
void prepare_trace(PreparedCommand& c);

}  // namespace hess::cli
