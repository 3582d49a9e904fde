// hessian sensitivity: HAWQ-style per-block quantization sensitivity (lambda_max, trace, omega,
// exact second-order prediction, measured loss change), a mixed-precision bit allocation under a
// budget with its Pareto sweep, and the allocated model fake-quantized (runs/sensitivity_run.h).
#include "runs/sensitivity_run.h"
#include "tools/common_flags.h"
#include "tools/prepared_command.h"

namespace hess::cli {

namespace {
constexpr int kDefaultParetoPoints = 9;
}

namespace {

// The run and the flags that set it indirectly.
struct SensitivityCommand {
  runs::SensitivityRun run;
  bool no_lambda = false, no_trace = false, no_measure = false, pareto = false, raw = false;
  int pareto_points = kDefaultParetoPoints;
};

}  // namespace

void prepare_sensitivity(PreparedCommand& c) {
  auto& cmd = c.own<SensitivityCommand>();
  runs::SensitivityRun& run = cmd.run;
  Flags& f = c.define_flags(
      "sensitivity", "(--model FILE | --arch SPEC) [--data FILE] [options]",
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
      .toggle("no-lambda", &cmd.no_lambda, "skip lambda_max of each block (HAWQ-V1)", "lambda")
      .toggle("no-trace", &cmd.no_trace, "skip the trace of each block (HAWQ-V2, omega)", "trace")
      .toggle("no-measure", &cmd.no_measure, "skip the measured loss changes", "measure")
      .value("trace-probes", &so.trace_probes, "N", "Hutchinson probe budget per block")
      .value("trace-min-probes", &so.trace_min_probes, "N", "no stop before this many probes")
      .value("trace-rtol", &so.trace_rtol, "R",
             "stop a block's trace when its standard error is below R |trace| (0: all probes)")
      .value("lambda-tol", &so.lambda_tol, "TOL", "Lanczos relative residual tolerance")
      .value("lambda-iterations", &so.lambda_iterations, "N", "Lanczos restarts per block")
      .value("columns", &so.columns, "K", "directions per Hessian product pass")
      .value("allocate", &ao.budget, "KIND=V",
             "bit allocation under a budget: avg-bits=B, size=BYTES or bops=OPS", "budget")
      .toggle("raw-costs", &cmd.raw,
              "allocate by the criterion as computed, not made non-increasing in width", "monotone")
      .toggle("pareto", &cmd.pareto, "sweep the budget from all-lowest to all-highest widths")
      .value("pareto-points", &cmd.pareto_points, "N", "budgets of the sweep (at least 2)")
      .value("activation-bits", &ao.activation_bits, "B", "activation width of the bops budget")
      .value("write-quantized", &run.write_quantized, "FILE",
             "the allocated model, fake-quantized, as a model file");
  add_output(f, run.output, c.printing);
  c.bind(
      &run.inputs, &run.output,
      [&cmd](const Flags&) {
        SensitivityOptions& s = cmd.run.sensitivity;
        s.lambda = !cmd.no_lambda;
        s.trace = !cmd.no_trace;
        s.measure = !cmd.no_measure;
        AllocationOptions& a = cmd.run.allocation;
        a.pareto_points = cmd.pareto ? cmd.pareto_points : 0;
        a.monotone = !cmd.raw;
      },
      [&run](runs::Observer& o) { return runs::sensitivity(run, o); });
}

}  // namespace hess::cli
