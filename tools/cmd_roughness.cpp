// hessian roughness: the roughness index of Wu et al. around a model's parameters, or at each
// checkpoint of a training run (--along GLOB) (runs/roughness_run.h).
#include "runs/roughness_run.h"
#include "tools/commands.h"
#include "tools/common_flags.h"
#include "tools/print.h"
#include "tools/terminal_observer.h"

namespace hess::cli {

int run_roughness(const std::vector<std::string>& args) {
  runs::RoughnessRun run;
  Printing p;
  Flags f("roughness", "(--model FILE | --arch SPEC | --along GLOB) [--data FILE] [options]",
          "  hessian roughness --arch mlp:784-128-10 --samples 1024\n"
          "  hessian roughness --model model.h5 --data train.h5 --directions 100 --points 20 "
          "--radius 0.1 --json\n"
          "  hessian roughness --along run/checkpoints --data train.h5 --samples 1024\n");
  add_inputs(f, run.inputs);
  RoughnessOptions& ro = run.roughness;
  f.value("directions", &ro.directions, "M", "random directions (profiles)")
      .value("points", &ro.points, "m", "intervals per profile: t_k = -l + k 2l/m, k = 0..m")
      .value("radius", &ro.radius, "l", "half-width l of each profile")
      .choice("norm", &ro.normalization, "direction normalization", "normalization")
      .toggle("include-1d", &ro.include_1d, "perturb biases and norm parameters too")
      .optional("along", &run.along, "GLOB",
                "the roughness index at each checkpoint of a training run (model files matched by "
                "GLOB, a folder or a checkpoint series file), in step order; replaces --model");
  add_output(f, run.output, p);
  if (!f.parse(args)) return kExitOk;
  run.output.command_line = f.command_line();
  TerminalObserver observer(p.quiet || p.json);
  print(f.call([&] { return runs::roughness(run, observer); }), p);
  return kExitOk;
}

}  // namespace hess::cli
