// hessian sensitivity: HAWQ-style per-block quantization sensitivity (lambda_max, trace, omega,
// exact second-order prediction, measured loss change), a mixed-precision bit allocation under a
// budget with its Pareto sweep, and the allocated model fake-quantized (runs/sensitivity_run.h).
#include "runs/sensitivity_run.h"
#include "tools/commands.h"
#include "tools/common_flags.h"
#include "tools/print.h"
#include "tools/terminal_observer.h"

namespace hess::cli {

namespace {
constexpr int kDefaultParetoPoints = 9;
}

int run_sensitivity(const std::vector<std::string>& args) {
  runs::SensitivityRun run;
  Printing p;
  Flags f("sensitivity", "(--model FILE | --arch SPEC) [--data FILE] [options]",
          "  hessian sensitivity --model data/digits-mlp.h5 --data data/digits.h5\n"
          "  hessian sensitivity --model m.h5 --data d.h5 --bits 2 4 8 --granularity tensor "
          "--rank-by omega --json\n"
          "  hessian sensitivity --model m.h5 --data d.h5 --allocate avg-bits=4 --write-quantized "
          "m-q.h5\n"
          "  hessian sensitivity --model m.h5 --data d.h5 --tie 'layer1.*' --allocate "
          "size=20000 --pareto\n");
  add_inputs(f, run.inputs);
  SensitivityOptions& so = run.sensitivity;
  AllocationOptions& ao = run.allocation;
  bool no_lambda = false, no_trace = false, no_measure = false, pareto = false, raw = false;
  int pareto_points = kDefaultParetoPoints;
  f.integers("bits", &so.bits, "B...", "bit widths studied (each 1..32)")
      .choice("granularity", &so.granularity,
              "quantizer scale per output channel (dim 0) or per tensor")
      .list("layers", &so.layers, "GLOB...",
            "blocks to study (default: every weight of linear, conv, embedding)")
      .list("tie", &so.ties, "GLOB...", "each glob a group of blocks given the same bits", "ties")
      .toggle("all-roles", &so.all_roles, "let --layers pick biases and normalization too")
      .choice("rank-by", &so.rank_by, "criterion ranking the blocks and summed by --allocate")
      .value("rank-bits", &so.rank_bits, "B",
             "width whose values rank per-width criteria (0: the smallest of --bits)")
      .toggle("no-lambda", &no_lambda, "skip lambda_max of each block (HAWQ-V1)", "lambda")
      .toggle("no-trace", &no_trace, "skip the trace of each block (HAWQ-V2, omega)", "trace")
      .toggle("no-measure", &no_measure, "skip the measured loss changes", "measure")
      .value("trace-probes", &so.trace_probes, "N", "Hutchinson probe budget per block")
      .value("trace-min-probes", &so.trace_min_probes, "N", "no stop before this many probes")
      .value("trace-rtol", &so.trace_rtol, "R",
             "stop a block's trace when its standard error is below R |trace| (0: all probes)")
      .value("lambda-tol", &so.lambda_tol, "TOL", "Lanczos relative residual tolerance")
      .value("lambda-iterations", &so.lambda_iterations, "N", "Lanczos restarts per block")
      .value("columns", &so.columns, "K", "directions per Hessian product pass")
      .value("allocate", &ao.budget, "KIND=V",
             "bit allocation under a budget: avg-bits=B, size=BYTES or bops=OPS", "budget")
      .toggle("raw-costs", &raw,
              "allocate by the criterion as computed, not made non-increasing in width", "monotone")
      .toggle("pareto", &pareto, "sweep the budget from all-lowest to all-highest widths")
      .value("pareto-points", &pareto_points, "N", "budgets of the sweep (at least 2)")
      .value("activation-bits", &ao.activation_bits, "B", "activation width of the bops budget")
      .value("write-quantized", &run.write_quantized, "FILE",
             "the allocated model, fake-quantized, as a model file");
  add_output(f, run.output, p);
  if (!f.parse(args)) return kExitOk;
  run.output.command_line = f.command_line();
  so.lambda = !no_lambda;
  so.trace = !no_trace;
  so.measure = !no_measure;
  ao.pareto_points = pareto ? pareto_points : 0;
  ao.monotone = !raw;
  TerminalObserver observer(p.quiet || p.json);
  print(f.call([&] { return runs::sensitivity(run, observer); }), p);
  return kExitOk;
}

}  // namespace hess::cli
