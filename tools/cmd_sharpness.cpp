// hessian sharpness: lambda_max, trace, |H|_F, gradient overlap with the top-k eigenspace,
// average-case, worst-case (standard or adaptive, l2 or linf) and Keskar's sharpness of a model's
// loss around its parameters (runs/sharpness_run.h).
#include "runs/sharpness_run.h"
#include "tools/common_flags.h"
#include "tools/prepared_command.h"

namespace hess::cli {

void prepare_sharpness(PreparedCommand& c) {
  runs::SharpnessRun& run = c.own<runs::SharpnessRun>();
  Flags& f = c.define_flags(
      "sharpness", "(--model FILE | --arch SPEC) [--data FILE] [options]",
      "  hessian sharpness --model model.h5 --data train.h5 --samples 1024\n"
      "  hessian sharpness --model model.h5 --data train.h5 --measures lambda_max overlap --k "
      "10 --json\n"
      "  hessian sharpness --model model.h5 --data train.h5 --measures average worst --rho "
      "0.05 --ball linf --adaptive\n"
      "  hessian sharpness --model model.h5 --data train.h5 --measures keskar --epsilon 5e-4\n");
  add_inputs(f, run.inputs);
  SharpnessOptions& so = run.sharpness;
  f.choices("measures", &so.measures, "measures to compute (default: all)", "all")
      .value("rho", &so.rho, "R", "average and worst case: radius of the perturbation ball")
      .choice("ball", &so.ball, "norm of the ball")
      .toggle("adaptive", &so.adaptive,
              "adaptive sharpness: perturbations scaled by |theta| elementwise")
      .value("draws", &so.draws, "N", "average case: Gaussian perturbations drawn")
      .value("steps", &so.steps, "T",
             "worst case and keskar: gradient-ascent steps (one gradient pass each)")
      .value("restarts", &so.restarts, "R", "worst case and keskar: random starts")
      .value("epsilon", &so.epsilon, "E", "keskar: the box is |y_i| <= E (|theta_i| + 1)")
      .value("k", &so.k, "K", "overlap: dimension of the top Hessian eigenspace (Lanczos)")
      .value("eigen-tol", &so.eigen_tol, "TOL",
             "lambda_max and overlap: Lanczos relative residual tolerance")
      .choice("trace-method", &so.trace_method,
              "trace: auto (exact, or the exact GGN trace plus Hutchinson on H - G), or a "
              "stochastic estimator")
      .value("trace-products", &so.trace_products, "N",
             "trace: Hutch++/XTrace products, or the most probes (hutchinson, control-variate)")
      .value("frobenius-probes", &so.frobenius_probes, "N",
             "frobenius: Hutchinson probes for |H|_F^2 = E|Hv|^2");
  add_output(f, run.output, c.printing);
  c.bind(&run.inputs, &run.output, nullptr,
         [&run](runs::Observer& o) { return runs::sharpness(run, o); });
}

}  // namespace hess::cli
