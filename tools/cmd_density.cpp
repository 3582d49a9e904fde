// hessian density: the spectral density of the Hessian (or GGN) by stochastic Lanczos quadrature
// (runs/density_run.h).
#include "runs/density_run.h"
#include "tools/common_flags.h"
#include "tools/prepared_command.h"

namespace hess::cli {

void prepare_density(PreparedCommand& c) {
  runs::DensityRun& run = c.own<runs::DensityRun>();
  Flags& f = c.define_flags(
      "density", "(--model FILE | --arch SPEC) [--data FILE] [options]",
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
  add_output(f, run.output, c.printing);
  c.bind(
      &run.inputs, &run.output,
      [&run](const Flags& given) { run.block_chosen = given.given("block"); },
      [&run](runs::Observer& o) { return runs::density(run, o); });
}

}  // namespace hess::cli
