// hessian eigen: the extreme eigenvalues of the Hessian (or GGN) of a model's loss, whole or
// restricted to some blocks (runs/eigen_run.h).
#include "runs/eigen_run.h"
#include "tools/commands.h"
#include "tools/common_flags.h"
#include "tools/print.h"
#include "tools/terminal_observer.h"

namespace hess::cli {

int run_eigen(const std::vector<std::string>& args) {
  runs::EigenRun run;
  Printing p;
  Flags f("eigen", "(--model FILE | --arch SPEC) [--data FILE] [options]",
          "  hessian eigen --model data/digits-mlp.h5 --data data/digits.h5 --k 5\n"
          "  hessian eigen --arch mlp:64-32-10:tanh --samples 512 --which both --k 3 --json\n"
          "  hessian eigen --model m.h5 --data d.h5 --layers 'fc1.*' --method power --tol 1e-4\n"
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
              "Lanczos (Spectra), or power iteration with deflation as "
              "PyHessian does it")
      .value("max-iterations", &eo.max_iterations, "N",
             "lanczos: restarts; power: iterations per eigenvalue")
      .toggle("save-vectors", &eo.save_vectors, "write the eigenvectors to the result file")
      .toggle("per-layer", &run.per_layer,
              "the K eigenvalues of each layer's diagonal block H_ll instead, one row per layer "
              "(group /eigen_per_layer)");
  add_output(f, run.output, p);
  if (!f.parse(args)) return kExitOk;
  run.output.command_line = f.command_line();
  TerminalObserver observer(p.quiet || p.json);
  print(f.call([&] { return runs::eigen(run, observer); }), p);
  return kExitOk;
}

}  // namespace hess::cli
