// hessian diag: the diagonal of the Hessian (or GGN) of a model's loss by Hutchinson's estimator,
// with per-layer summaries; the whole diagonal goes to the result file (runs/diag_run.h).
#include "runs/diag_run.h"
#include "tools/common_flags.h"
#include "tools/prepared_command.h"

namespace hess::cli {

void prepare_diag(PreparedCommand& c) {
  runs::DiagRun& run = c.own<runs::DiagRun>();
  Flags& f = c.define_flags(
      "diag", "(--model FILE | --arch SPEC) [--data FILE] [options]",
      "  hessian diag --model data/digits-mlp.h5 --data data/digits.h5 --probes 200\n"
      "  hessian diag --arch mlp:64-32-10:tanh --samples 512 --layers 'fc2.*' --json\n"
      "  hessian diag --model data/digits-mlp.h5 --data data/digits.h5 --curvature ggn "
      "--exact\n");
  add_inputs(f, run.inputs);
  add_target(f, run.target);
  f.toggle("exact", &run.diag.exact,
           "the exact GGN diagonal (the Hessian's where the network is affine in each parameter: "
           "ReLU, max pooling, conv, linear, BatchNorm), no probes")
      .value("probes", &run.diag.probes, "N", "Rademacher probes (at least 2)")
      .value("block", &run.diag.block, "B", "probes per pass (one B-column product)");
  add_output(f, run.output, c.printing);
  c.bind(
      &run.inputs, &run.output,
      [&run](const Flags& given) { run.block_chosen = given.given("block"); },
      [&run](runs::Observer& o) { return runs::diag(run, o); });
}

}  // namespace hess::cli
