// hessian report: the spectral summary of a model (the bundled sample by default): top eigenvalues,
// the trace with per-layer traces, the spectral density; the result file and a Markdown summary.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "analyzers/density.h"
#include "analyzers/eigen.h"
#include "analyzers/stopwatch.h"
#include "analyzers/trace.h"
#include "io/atomic_output.h"
#include "io/file_error.h"
#include "tools/cli_error.h"
#include "tools/commands.h"
#include "tools/curvature_flags.h"
#include "tools/json.h"
#include "tools/layer_traces.h"
#include "tools/result_groups.h"
#include "tools/session.h"
#include "tools/table.h"

namespace hess::cli {

namespace {

// The bundled sample (data/README.md), relative to the working directory.
constexpr const char* kSampleModel = "data/digits-mlp.h5";
constexpr const char* kSampleData = "data/digits.h5";
// Hutch++ products for the total and for each layer's block.
constexpr int kReportTraceProbes = 150;

struct Line {
  std::string quantity, value, detail;
};

// A Markdown table cell: '|' escaped.
std::string escape_cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

// The summary as a Markdown document with a table.
std::string markdown(const Session& s, const CurvatureTarget& target,
                     const std::vector<Line>& lines, const std::string& out) {
  std::string md = "# Curvature report\n\n";
  md += "- model: `" + s.model_label + "` (" + target.summary() + ")\n";
  md += "- data: `" + s.data_label + "`, " + grouped(s.objective->num_samples()) +
        " samples in the analysis set\n";
  md += "- result file: `" + out + "` (groups `eigen`, `trace`, `density`, `report`)\n\n";
  md += "| quantity | value | detail |\n| --- | --- | --- |\n";
  for (const Line& l : lines) {
    md += "| " + escape_cell(l.quantity) + " | " + escape_cell(l.value) + " | " +
          escape_cell(l.detail) + " |\n";
  }
  return md;
}

void write_text(const std::string& path, const std::string& text) {
  AtomicOutput out(path);
  {
    std::ofstream f(out.partial_path(), std::ios::binary);
    f << text;
    f.close();
    if (!f) throw FileError(path, "cannot write");
  }
  out.commit();
}

std::string cost(int64_t hvps, double seconds) {
  return std::to_string(hvps) + " HVPs, " + num(seconds, 3) + " s";
}

}  // namespace

int run_report(const std::vector<std::string>& args) {
  CommonOptions o;
  std::string report_path = "report.md";
  EigenOptions eo;
  eo.k = 5;
  DensityOptions dens;
  TraceOptions to;
  to.method = TraceMethod::HutchPP;
  to.max_probes = kReportTraceProbes;
  po::options_description desc("Options");
  add_model_flags(desc, o);
  add_data_flags(desc, o);
  add_curvature_flags(desc, o);
  desc.add_options()("report",
                     po::value(&report_path)->value_name("FILE")->default_value(report_path),
                     "the Markdown summary")(
      "k", po::value(&eo.k)->value_name("K")->default_value(eo.k), "top eigenvalues")(
      "probes", po::value(&to.max_probes)->value_name("N")->default_value(to.max_probes),
      "Hutch++ products for the trace and for each layer's trace")(
      "runs", po::value(&dens.runs)->value_name("N")->default_value(dens.runs), "SLQ runs")(
      "steps", po::value(&dens.steps)->value_name("M")->default_value(dens.steps),
      "SLQ Lanczos steps per run")("negative-threshold",
                                   po::value(&dens.negative_threshold)
                                       ->value_name("EPS")
                                       ->default_value(dens.negative_threshold),
                                   "the negative mass counts eigenvalues below -EPS * lambda_max");
  add_output_flags(desc, o, "results.h5");
  const char* examples =
      "  hessian report                      # the bundled sample: data/digits-mlp.h5 on "
      "data/digits.h5\n"
      "  hessian report --model m.h5 --data d.h5 --samples 2048 --out r.h5 --report r.md\n";
  if (!parse_args("report", args, desc, "[--model FILE --data FILE] [options]", examples)) {
    return kExitOk;
  }
  o.command_line = command_line("report", args);
  if (o.model.empty() && o.arch.empty() && o.data.empty()) {
    for (const char* f : {kSampleModel, kSampleData}) {
      if (!std::filesystem::exists(f)) {
        throw FileError(f,
                        "no such file (the bundled sample; run from the repository's root, or "
                        "give --model and --data)");
      }
    }
    o.model = kSampleModel;
    o.data = kSampleData;
  }
  if (to.max_probes < 1)
    throw UsageError("--probes must be positive (got " + std::to_string(to.max_probes) + ")");
  eo.seed = to.seed = dens.seed = o.seed;
  as_usage([&] {
    eo.validate();
    to.validate();
    dens.validate();
  });

  const Stopwatch clock;
  auto session = open_session(o, true);
  const CurvatureTarget target(*session, o);
  std::vector<Line> lines;

  ResultFile eigen_file(o.out);  // before any work: refuses a file that is not a result file
  const EigenResult e = as_usage([&] { return run(eo, target.op()); });
  fail_if_non_finite("eigen", e.status, e.message);
  commit_group(eigen_file, "eigen", target, analysis_metadata(*session, o, e.hvps, e.seconds),
               [&](ResultGroup& g) { write_eigen(g, eo, e); });
  for (Eigen::Index i = 0; i < e.eigenvalues.size(); ++i) {
    lines.push_back({"lambda_" + std::to_string(i + 1), num(e.eigenvalues(i), 8),
                     "residual " + num(e.residuals(i), 2)});
  }
  lines.back().detail +=
      "; lanczos " + cost(e.hvps, e.seconds) + (e.status == Status::Ok ? "" : ", not converged");

  const TraceRun t = as_usage([&] { return trace_with_layers(to, target); });
  fail_if_non_finite("trace", t.total.status, t.total.message);
  {
    ResultFile rf(o.out);
    commit_group(rf, "trace", target, analysis_metadata(*session, o, t.hvps, t.seconds),
                 [&](ResultGroup& g) { write_trace(g, to, t.total, t.per_layer); });
  }
  lines.push_back({"trace", num(t.total.trace),
                   "± " + num(t.total.std_error, 2) + "; hutchpp " + cost(t.hvps, t.seconds) +
                       " (layers included)"});
  for (const GroupTrace& l : t.per_layer) {
    lines.push_back({"trace " + l.name, num(l.trace),
                     "± " + num(l.std_error, 2) + "; " + grouped(l.size) + " parameters"});
  }

  const DensityResult d = as_usage([&] { return run(dens, target.op()); });
  fail_if_non_finite("density", d.status, d.message);
  {
    ResultFile rf(o.out);
    commit_group(rf, "density", target, analysis_metadata(*session, o, d.hvps, d.seconds),
                 [&](ResultGroup& g) { write_density(g, dens, d); });
  }
  const std::string slq = "slq " + std::to_string(dens.runs) + " x " + std::to_string(dens.steps) +
                          ", " + cost(d.hvps, d.seconds);
  lines.push_back({"negative mass", num(d.negative_mass_beyond, 4),
                   "± " + num(d.negative_mass_beyond_std_error, 2) + " below -" +
                       num(dens.negative_threshold, 3) + " lambda_max; raw (below 0) " +
                       num(d.negative_mass, 4) + " ± " + num(d.negative_mass_std_error, 2) + "; " +
                       slq});
  lines.push_back({"lambda_max / |lambda_min|", num(d.max_over_min, 4),
                   "SLQ nodes " + num(d.lambda_min, 4) + " .. " + num(d.lambda_max, 6)});
  lines.push_back({"Kh_" + num(dens.kh_power, 3) + " (LLA)", num(d.lla_kh, 4), ""});

  const int64_t hvps = e.hvps + t.hvps + d.hvps;
  const std::string md = markdown(*session, target, lines, o.out);
  {
    ResultFile rf(o.out);
    commit_group(rf, "report", target, analysis_metadata(*session, o, hvps, clock.seconds()),
                 [&](ResultGroup& g) {
                   g.attr("markdown", md);
                   g.attr("report", report_path);
                   write_status(g, Status::Ok, "");
                 });
  }
  write_text(report_path, md);

  if (!o.json) {
    Table tab({"quantity", "value", "detail"});
    for (const Line& l : lines) tab.row({l.quantity, l.value, l.detail});
    std::printf("model  %s (%s)\ndata   %s, %s samples\n\n%s", session->model_label.c_str(),
                target.summary().c_str(), session->data_label.c_str(),
                grouped(session->objective->num_samples()).c_str(), tab.str().c_str());
    std::printf("\n%lld HVPs, %s s; wrote %s and %s\n", static_cast<long long>(hvps),
                num(clock.seconds(), 3).c_str(), o.out.c_str(), report_path.c_str());
  } else {
    Json j = Json::object();
    j.set("out", o.out)
        .set("report", report_path)
        .set("hvps", hvps)
        .set("seconds", clock.seconds());
    std::printf("%s\n", j.dump().c_str());
  }
  return kExitOk;
}

}  // namespace hess::cli
