// hessian eos: the edge of stability along a training run: at every checkpoint the top eigenvalues
// of the training-loss Hessian (warm-started Lanczos; preconditioned for adam), the optimizer's
// stability threshold, the loss, the gradient overlap and the self-stabilization alpha and beta,
// with the onset and the phases derived from the series (runs/eos_run.h).
#include "runs/eos_run.h"
#include "tools/common_flags.h"
#include "tools/prepared_command.h"

namespace hess::cli {

namespace {

// The run and --lr, which sets it only when given.
struct EosCommand {
  runs::EosRun run;
  double lr = 0.0;
};

}  // namespace

void prepare_eos(PreparedCommand& c) {
  auto& cmd = c.own<EosCommand>();
  runs::EosRun& run = cmd.run;
  runs::Inputs& in = run.inputs;
  Flags& f = c.define_flags(
      "eos", "--along RUN_DIR|GLOB|SERIES [--data FILE] [options]",
      "  hessian eos --along run-eos --out eos.h5          # a `hessian train` run directory\n"
      "  hessian eos --along 'exported/*.h5' --data train.h5 --optimizer momentum --momentum "
      "0.9 --lr 0.01 --samples 1000\n");
  f.optional("along", &run.along, "RUN_DIR|GLOB|SERIES",
             "the checkpoints: a `hessian train` run directory (optimizer, lr, training set and "
             "optimizer state from it), a folder, a glob or a checkpoint series file")
      .optional("data", &in.data, "FILE", "the training data file (default: the run directory's)")
      .value("samples", &in.samples, "M",
             "the analysis set: the first M training samples, full batch (0: the run's "
             "--sharpness-samples, else min(N, 5000))")
      .value("batch-size", &in.batch_size, "N", "samples per batch of a pass")
      .value("threads", &in.threads, "N", "cores to use (0: all)")
      .choice("precision", &in.precision,
              "arithmetic of the passes (a run directory's own unless given)")
      .value("weight-decay", &in.weight_decay, "L",
             "add (L/2)|theta|^2 to the objective (default: the run directory's)")
      .value("seed", &in.seed, "N", "the random start of a cold Lanczos run");
  add_memory(f, in);
  add_optimizer(f, run.optimizer, &cmd.lr,
                "learning rate of checkpoints from elsewhere (a run directory brings its own)");
  EosOptions& eo = run.eos;
  f.value("k", &eo.k, "K", "top eigenvalues per checkpoint")
      .value("tol", &eo.tol, "TOL", "Lanczos relative residual tolerance")
      .value("ncv", &eo.ncv, "N", "Lanczos Krylov dimension (0: max(2K + 1, 10))")
      .toggle("cold", &run.cold,
              "start every measurement from a random vector instead of the previous "
              "checkpoint's eigenvectors (to compare the products)");
  add_output(f, run.output, c.printing);
  c.bind(
      &run.inputs, &run.output,
      [&cmd](const Flags& given) {
        if (given.given("lr")) cmd.run.lr = cmd.lr;
        cmd.run.optimizer_given = given.given("optimizer");
        cmd.run.precision_given = given.given("precision");
      },
      [&run](runs::Observer& o) { return runs::eos(run, o); });
}

}  // namespace hess::cli
