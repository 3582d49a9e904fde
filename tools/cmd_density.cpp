// hessian density: the spectral density of the Hessian (or GGN) by stochastic Lanczos quadrature
// (runs/density_run.h).
#include "runs/density_run.h"
#include "tools/commands.h"
#include "tools/common_flags.h"
#include "tools/print.h"
#include "tools/terminal_observer.h"

namespace hess::cli {

int run_density(const std::vector<std::string>& args) {
  runs::DensityRun run;
  Printing p;
  Flags f("density", "(--model FILE | --arch SPEC) [--data FILE] [options]",
          "  hessian density --model data/digits-mlp.h5 --data data/digits.h5\n"
          "  hessian density --arch mlp:64-32-10:tanh --samples 512 --runs 5 --steps 40 --json\n");
  add_inputs(f, run.inputs);
  add_target(f, run.target);
  DensityOptions& d = run.density;
  f.value("runs", &d.runs, "N", "independent SLQ runs (start vectors)")
      .value("steps", &d.steps, "M", "Lanczos steps per run (full reorthogonalization)")
      .choice("start", &d.start, "distribution of the start vectors")
      .value("grid", &d.grid, "G", "points of the smoothed density")
      .value("sigma", &d.sigma, "S",
             "standard deviation of the smoothing Gaussian, as a fraction of the spectrum's width")
      .value("kh-power", &d.kh_power, "N", "n of LLA's Kh_n")
      .value("block", &d.block, "B", "runs advancing together through one B-column product")
      .value("negative-threshold", &d.negative_threshold, "EPS",
             "the robust negative mass counts eigenvalues below -EPS * lambda_max");
  add_output(f, run.output, p);
  if (!f.parse(args)) return kExitOk;
  run.block_chosen = f.given("block");
  run.output.command_line = f.command_line();
  TerminalObserver observer(p.quiet || p.json);
  print(f.call([&] { return runs::density(run, observer); }), p);
  return kExitOk;
}

}  // namespace hess::cli
