// hessian report: the spectral summary of a model (the bundled sample by default): top eigenvalues,
// the trace with per-layer traces, the spectral density; the result file, a Markdown summary and an
// HTML page with the figures (runs/report_run.h).
#include "runs/report_run.h"
#include "tools/commands.h"
#include "tools/common_flags.h"
#include "tools/print.h"
#include "tools/terminal_observer.h"

namespace hess::cli {

int run_report(const std::vector<std::string>& args) {
  runs::ReportRun run;
  Printing p;
  Flags f(
      "report", "[--model FILE --data FILE] [options]",
      "  hessian report                      # the bundled sample (digits-mlp.h5 on digits.h5)\n"
      "  hessian report --model m.h5 --data d.h5 --samples 2048 --out r.h5 --report r.md\n");
  add_inputs(f, run.inputs);
  add_target(f, run.target);
  f.value("report", &run.markdown, "FILE", "the Markdown summary")
      .value("html", &run.html, "FILE",
             "the HTML page with the figures (default: beside --report, report.html)")
      .value("k", &run.eigen.k, "K", "top eigenvalues")
      .value("probes", &run.trace.max_probes, "N",
             "the most probes of the trace's stochastic part (the trace command's auto method: "
             "exact where it can be, else Hutchinson on H - GGN beside the exact GGN trace)",
             "max_probes")
      .value("runs", &run.density.runs, "N", "SLQ runs")
      .value("steps", &run.density.steps, "M", "SLQ Lanczos steps per run")
      .value("negative-threshold", &run.density.negative_threshold, "EPS",
             "the negative mass counts eigenvalues below -EPS * lambda_max");
  add_output(f, run.output, p);
  if (!f.parse(args)) return kExitOk;
  run.output.command_line = f.command_line();
  TerminalObserver observer(p.quiet || p.json);
  print(f.call([&] { return runs::report(run, observer); }), p);
  return kExitOk;
}

}  // namespace hess::cli
