// hessian trace: the trace of the Hessian (or GGN) of a model's loss by Hutchinson, Hutch++ or
// XTrace, with per-layer traces and |H|_F^2 (runs/trace_run.h).
#include "runs/trace_run.h"
#include "tools/common_flags.h"
#include "tools/prepared_command.h"

namespace hess::cli {

void prepare_trace(PreparedCommand& c) {
  runs::TraceRun& run = c.own<runs::TraceRun>();
  Flags& f = c.define_flags(
      "trace", "(--model FILE | --arch SPEC) [--data FILE] [options]",
      "  hessian trace --model data/digits-mlp.h5 --data data/digits.h5\n"
      "  hessian trace --arch mlp:64-32-10:tanh --samples 512 --method hutchpp --probes 99 "
      "--json\n"
      "  hessian trace --model m.h5 --data d.h5 --rtol 0 --probes 500 --layers 'fc*'\n");
  add_inputs(f, run.inputs);
  add_target(f, run.target);
  TraceOptions& to = run.trace;
  f.choice("method", &to.method,
           "auto (exact where the network is affine in each parameter or for the GGN, else "
           "control-variate), exact (sum of the exact GGN diagonal), control-variate (exact "
           "GGN trace + Hutchinson on H - G), Hutchinson (with |H|_F^2), Hutch++ or XTrace")
      .value("probes", &to.max_probes, "N",
             "hutchinson, control-variate: most probes (at least 2); hutchpp, xtrace: the products",
             "max_probes")
      .value("min-probes", &to.min_probes, "N",
             "hutchinson, control-variate: no stop before this many probes (capped at --probes)")
      .value("rtol", &to.rtol, "R",
             "hutchinson, control-variate: stop when the standard error is below R |trace| (0: "
             "use all probes)")
      .value("block", &to.block, "B", "probes per pass (one B-column product)");
  add_output(f, run.output, c.printing);
  c.bind(
      &run.inputs, &run.output,
      [&run](const Flags& given) {
        run.block_chosen = given.given("block");
        TraceOptions& t = run.trace;
        if (!given.given("min-probes")) t.min_probes = std::min(t.min_probes, t.max_probes);
      },
      [&run](runs::Observer& o) { return runs::trace(run, o); });
}

}  // namespace hess::cli
