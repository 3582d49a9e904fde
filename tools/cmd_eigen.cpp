// hessian eigen: the extreme eigenvalues of the Hessian (or GGN) of a model's loss, whole or
// restricted to some blocks (runs/eigen_run.h).
#include "runs/eigen_run.h"
#include "tools/common_flags.h"
#include "tools/prepared_command.h"

namespace hess::cli {

void prepare_eigen(PreparedCommand& c) {
  runs::EigenRun& run = c.own<runs::EigenRun>();
  Flags& f = c.define_flags(
      "eigen", "(--model FILE | --arch SPEC) [--data FILE] [options]",
      "  hessian eigen --model data/digits-mlp.h5 --data data/digits.h5 --k 5\n"
      "  hessian eigen --arch mlp:64-32-10:tanh --samples 512 --which both --k 3 --json\n"
      "  hessian eigen --model m.h5 --data d.h5 --layers 'fc1.*' --method power --tol 1e-4\n"
      "  hessian eigen --model m.h5 --data d.h5 --k 8 --block 4 --tol 1e-6\n"
      "  hessian eigen --model data/digits-mlp.h5 --data data/digits.h5 --per-layer --k 3\n");
  add_inputs(f, run.inputs);
  add_target(f, run.target);
  EigenOptions& eo = run.eigen;
  f.value("k", &eo.k, "K", "eigenvalues per end")
      .choice("which", &eo.which,
              "which end of the spectrum, by algebraic value (never by magnitude)")
      .value("tol", &eo.tol, "T",
             "converged when the residual |Hu - lambda u| <= T |lambda|; power iteration stops "
             "when the Rayleigh quotient changes by less than T")
      .choice("method", &eo.method,
              "thick-restart Lanczos that stops at the first product where the K pairs pass "
              "(lanczos), Spectra's implicitly restarted Lanczos (spectra), or power iteration "
              "with deflation as PyHessian does it")
      .value("block", &eo.block, "B", "lanczos: columns per product (block Lanczos when B > 1)")
      .value("ncv", &eo.ncv, "N", "lanczos, spectra: Krylov basis columns at most (0: automatic)")
      .value("max-iterations", &eo.max_iterations, "N",
             "lanczos, spectra: restarts; power: iterations per eigenvalue")
      .toggle("save-vectors", &eo.save_vectors, "write the eigenvectors to the result file")
      .toggle("per-layer", &run.per_layer,
              "the K eigenvalues of each layer's diagonal block H_ll instead, one row per layer "
              "(group /eigen_per_layer)");
  add_output(f, run.output, c.printing);
  c.bind(&run.inputs, &run.output, nullptr,
         [&run](runs::Observer& o) { return runs::eigen(run, o); });
}

}  // namespace hess::cli
