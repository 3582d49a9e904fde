#pragma once
// `hessian report` as a library call: the spectral summary of a model (the bundled sample by
// default): the spectral density, top eigenvalues (continuing the density's first Lanczos run),
// the trace with per-layer traces, each committed
// to its group of the result file as it completes, then a group /report, a Markdown summary and a
// self-contained HTML page with the figures of the three groups (runs/plot_run.h).

#include <string>

#include "analyzers/density.h"
#include "analyzers/eigen.h"
#include "analyzers/trace.h"
#include "io/record.h"
#include "runs/curvature_target.h"
#include "runs/observer.h"
#include "runs/output.h"
#include "runs/workspace.h"

namespace hess::runs {

// The report's sizes: at most this many probes for the stochastic part of the trace (none where
// the trace is exact; Hutchinson on H − GGN beside the exact GGN trace otherwise, stopping at a 1 %
// standard error), and an SLQ density of this many runs of this many Lanczos steps (the standard
// errors across runs are the density's error bars). About 300 + 65 + 150 products at most (the
// eigensolver continues the first SLQ run's Lanczos vectors), where the separate commands'
// defaults take up to 800 + 65 + 1,000.
constexpr int kReportTraceProbes = 150;
constexpr int kReportSlqRuns = 5;
constexpr int kReportSlqSteps = 60;

struct ReportRun {
  Inputs inputs;  // model and data empty: the bundled sample
  TargetSpec target;
  EigenOptions eigen;
  TraceOptions trace = [] {
    TraceOptions t;  // auto: exact, or the control variate, with per-layer traces
    t.max_probes = kReportTraceProbes;
    return t;
  }();
  DensityOptions density = [] {
    DensityOptions d;
    d.runs = kReportSlqRuns;
    d.steps = kReportSlqSteps;
    return d;
  }();
  Output output;
  std::string markdown = "report.md";  // the Markdown summary
  std::string html;                    // the HTML page with figures; "" : beside the Markdown
                                       // (report.md -> report.html)
};

// The HTML page's path of a run: `html`, or the Markdown's with the extension .html.
std::string report_html_path(const ReportRun& run);

// The folder of the bundled sample (digits-mlp.h5, digits.h5): $HESS_SAMPLE_DIR when set, else
// PREFIX/share/hessian beside an installed program, else the source tree's data/ for a program
// run from its build tree. Throws FileError when none holds the sample.
std::string bundled_sample_dir();

Record report(const ReportRun& run, Observer& observer);

}  // namespace hess::runs
