// hessian info: what a model is made of, whether a data set fits it, and what its passes cost
// (runs/info_run.h).
#include "runs/info_run.h"
#include "tools/commands.h"
#include "tools/common_flags.h"
#include "tools/print.h"
#include "tools/terminal_observer.h"

namespace hess::cli {

int run_info(const std::vector<std::string>& args) {
  runs::InfoRun run;
  Printing p;
  Flags f("info", "(--model FILE | --arch SPEC) [--data FILE] [--timing] [options]",
          "  hessian info --arch mlp:784-256-256-10:tanh\n"
          "  hessian info --arch cnn:1x28x28-c16k3p1-pool2-c32k3p1-pool2-10 --timing --samples "
          "1024\n"
          "  hessian info --model data/digits-mlp.h5 --data data/digits.h5 --json\n");
  add_inputs(f, run.inputs);
  f.toggle("timing", &run.timing,
           "measure one loss pass, one gradient, one HVP and one 8-column HVP over the analysis "
           "set");
  add_printing(f, p);
  if (!f.parse(args)) return kExitOk;
  TerminalObserver observer(p.quiet || p.json);
  print(f.call([&] { return runs::info(run, observer); }), p);
  return kExitOk;
}

}  // namespace hess::cli
