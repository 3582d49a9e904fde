#pragma once
// The flags commands share (docs/cli.md, "Common flags"), bound to the library's structs:
//
//   hess::cli::add_inputs(f, run.inputs);     // --model --arch --loss --seed --data --samples
//                                             // --batch-size --threads --precision --weight-decay
//   hess::cli::add_target(f, run.target);     // --curvature --layers
//   hess::cli::add_output(f, run.output, p);  // --out --json --quiet

#include <string>

#include "engine/optimizer.h"
#include "runs/curvature_target.h"
#include "runs/output.h"
#include "runs/workspace.h"
#include "tools/flags.h"

namespace hess::cli {

// How the outcome is shown.
struct Printing {
  bool json = false;    // one JSON object on stdout
  bool quiet = false;   // no progress on stderr
  std::string command;  // the command's name: the summary's key `command` (docs/cli.md, "JSON")
};

void add_model_inputs(Flags& f, runs::Inputs& in);  // --model --arch --loss --seed
void add_data_inputs(Flags& f, runs::Inputs& in);   // --data --samples --data-seed --batch-size
                                                    // --threads
                                                    // --precision --weight-decay --memory
void add_memory(Flags& f, runs::Inputs& in);        // --memory
void add_inputs(Flags& f, runs::Inputs& in);        // both
void add_target(Flags& f, runs::TargetSpec& t);
// --optimizer --lr --momentum --beta1 --beta2 --epsilon; `lr` is set when --lr is given
// (Flags::given).
void add_optimizer(Flags& f, OptimizerOptions& op, double* lr, const std::string& lr_help);
// --out (default out.out), --json, --quiet.
void add_output(Flags& f, runs::Output& out, Printing& p);
// --json and --quiet only (commands without a result file); both set p.command.
void add_printing(Flags& f, Printing& p);

}  // namespace hess::cli
