#include "runs/report_run.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "analyzers/stopwatch.h"
#include "engine/number_format.h"
#include "io/atomic_output.h"
#include "io/file_error.h"
#include "runs/density_run.h"
#include "runs/eigen_run.h"
#include "runs/plot_run.h"
#include "runs/report_notes.h"
#include "runs/trace_run.h"

namespace hess::runs {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSampleModel = "digits-mlp.h5";
constexpr const char* kSampleData = "digits.h5";
constexpr const char* kSampleEnv = "HESS_SAMPLE_DIR";
constexpr const char* kLocalSample = "data";
constexpr const char* kInstalledSample = "../share/hessian";

bool holds_sample(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / kSampleModel, ec) && fs::exists(dir / kSampleData, ec);
}

fs::path executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

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

std::string markdown(const Workspace& ws, const CurvatureTarget& target,
                     const std::vector<Line>& lines, const std::vector<std::string>& notes,
                     const std::string& out) {
  std::string md = "# Curvature report\n\n";
  md += "- model: `" + ws.model_label() + "` (" + target.summary() + ")\n";
  md += "- data: `" + ws.data_label() + "`, " + grouped(ws.objective().num_samples()) +
        " samples in the analysis set\n";
  md += "- result file: `" + out + "` (groups `eigen`, `trace`, `density`, `report`)\n\n";
  md += "| quantity | value | detail |\n| --- | --- | --- |\n";
  for (const Line& l : lines) {
    md += "| " + escape_cell(l.quantity) + " | " + escape_cell(l.value) + " | " +
          escape_cell(l.detail) + " |\n";
  }
  md += "\n## What the numbers say\n\n";
  for (const std::string& n : notes) md += "- " + n + "\n";
  return md;
}

// The summary's numbers, each under the key and with the meaning it has in the summary of its own
// command (docs/cli.md, "JSON"): eigen's eigenvalues and residuals, trace's total and per-layer
// traces, and the scalars of density's under `density`.
void describe_numbers(Record& rec, const Record& eigen, const Record& trace,
                      const Record& density) {
  auto copy = [](Record& to, const Record& from, std::initializer_list<const char*> keys) {
    for (const char* key : keys) to.put(key, from.find(key)->value).only(kJson);
  };
  copy(rec, eigen, {"eigenvalues", "residuals"});
  const auto& ev = std::get<std::vector<double>>(eigen.find("eigenvalues")->value);
  rec.add("lambda_max", ev.empty() ? 0.0 : ev.front()).only(kJson);
  copy(rec, trace, {"trace"});
  rec.put("trace_stderr", trace.find("stderr")->value).only(kJson);  // as sharpness names it
  for (const auto& [key, rows] : trace.tables()) {
    if (key == "per_layer") rec.rows(key) = rows;
  }
  rec.rows("per_layer").only(kJson);
  Record& dens = rec.child("density");
  copy(dens, density,
       {"lambda_min", "lambda_max", "max_over_min", "negative_mass_beyond",
        "negative_mass_beyond_stderr", "negative_mass_below_zero",
        "negative_mass_below_zero_stderr", "negative_threshold", "lla_kh", "kernel_sigma"});
}

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  const fs::path a = fs::absolute(path, ec);
  return ec ? path : a.lexically_normal().string();
}

std::string cost(int64_t hvps, double seconds) {
  return std::to_string(hvps) + " HVPs, " + significant(seconds, 3) + " s";
}

}  // namespace

std::string bundled_sample_dir() {
  if (const char* env = std::getenv(kSampleEnv); env && *env) {
    if (!holds_sample(env))
      throw FileError((fs::path(env) / kSampleModel).string(),
                      "no such file (the bundled sample, in $" + std::string(kSampleEnv) + ")");
    return env;
  }
  if (holds_sample(kLocalSample)) return kLocalSample;
  const fs::path exe = executable_dir();
  if (!exe.empty() && holds_sample(exe / kInstalledSample))
    return (exe / kInstalledSample).lexically_normal().string();
#ifdef HESS_SOURCE_DATA_DIR
  if (holds_sample(HESS_SOURCE_DATA_DIR)) return HESS_SOURCE_DATA_DIR;
#endif
  throw FileError(std::string(kLocalSample) + "/" + kSampleModel,
                  "no such file (the bundled sample: not in data/ here, nor installed beside the "
                  "program; give --model and --data)");
}

std::string report_html_path(const ReportRun& run) {
  if (!run.html.empty()) return run.html;
  return fs::path(run.markdown).replace_extension(".html").string();
}

Record report(const ReportRun& run, Observer& observer) {
  Inputs inputs = run.inputs;
  if (inputs.model.empty() && inputs.arch.empty() && inputs.data.empty()) {
    const fs::path dir = bundled_sample_dir();
    inputs.model = (dir / kSampleModel).string();
    inputs.data = (dir / kSampleData).string();
  }
  EigenOptions eo = run.eigen;
  TraceOptions to = run.trace;
  DensityOptions dens = run.density;
  eo.seed = to.seed = dens.seed = inputs.seed;
  // The report's probe count is a ceiling: a smaller one lowers the floor with it.
  to.min_probes = std::min(to.min_probes, to.max_probes);
  eo.validate();
  to.validate();
  dens.validate();

  const Stopwatch clock;
  auto ws = open_workspace(inputs, observer);
  const CurvatureTarget target(*ws, run.target);
  const std::string& cmd = run.output.command_line;
  std::vector<Line> lines;

  // Before any work: one writer of the result file for the whole report, and a file that is not a
  // result file refused.
  const FileLock lock(run.output.out);
  ResultFile first_file(run.output.out, &lock);  // the first group's commit
  // The Markdown and HTML pages are written at the end: a target refused then is refused now.
  check_output(run.markdown, OutputKind::text());
  check_output(report_html_path(run), OutputKind::text());
  // The density first: its first SLQ run is a Lanczos run from a random start, which the
  // eigensolver continues instead of starting afresh.
  dens.keep_first_run = eo.method == EigenMethod::Lanczos && eo.block == 1 &&
                        eo.warm_start.size() == 0 && eo.krylov_start.empty();
  DensityResult d = density_on(dens, target, observer);
  fail_if_non_finite("density", d.status, d.message);
  Record dr = describe_density(dens, d);
  commit_target_group(first_file, "density", dr, target, *ws, cmd, d.hvps, d.seconds);
  const std::string slq = "slq " + std::to_string(dens.runs) + " x " + std::to_string(dens.steps) +
                          ", " + cost(d.hvps, d.seconds);

  eo.krylov_start = std::move(d.first_run);
  const EigenResult e = eigen_on(eo, target, observer);
  fail_if_non_finite("eigen", e.status, e.message);
  Record er = describe_eigen(eo, e);
  {
    ResultFile rf(run.output.out, &lock);
    commit_target_group(rf, "eigen", er, target, *ws, cmd, e.hvps, e.seconds);
  }
  for (Eigen::Index i = 0; i < e.eigenvalues.size(); ++i) {
    lines.push_back({"lambda_" + std::to_string(i + 1), significant(e.eigenvalues(i), 8),
                     "residual " + significant(e.residuals(i), 2)});
  }
  lines.back().detail +=
      "; lanczos " + cost(e.hvps, e.seconds) +
      (e.start_columns > 0
           ? " after SLQ run 1's " + std::to_string(e.start_columns) + " Lanczos vectors"
           : "") +
      (e.status == Status::Ok ? "" : ", not converged");
  if (e.status != Status::Ok) observer.warn(e.message);

  const LayerTraces t = trace_with_layers(to, target, observer);
  fail_if_non_finite("trace", t.total.status, t.total.message);
  Record tr = describe_trace(to, t);
  {
    ResultFile rf(run.output.out, &lock);
    commit_target_group(rf, "trace", tr, target, *ws, cmd, t.hvps, t.seconds);
  }
  lines.push_back({"trace", significant(t.total.trace),
                   "± " + significant(t.total.std_error, 2) + "; " +
                       std::string(name_of(t.total.method)) + " " + cost(t.hvps, t.seconds) +
                       " (layers included)"});
  for (const GroupTrace& l : t.per_layer) {
    lines.push_back({"trace " + l.name, significant(l.trace),
                     "± " + significant(l.std_error, 2) + "; " + grouped(l.size) + " parameters"});
  }

  lines.push_back({"negative mass", significant(d.negative_mass_beyond, 4),
                   "± " + significant(d.negative_mass_beyond_std_error, 2) + " below -" +
                       significant(dens.negative_threshold, 3) + " lambda_max; raw (below 0) " +
                       significant(d.negative_mass, 4) + " ± " +
                       significant(d.negative_mass_std_error, 2) + "; " + slq});
  lines.push_back(
      {"lambda_max / |lambda_min|", significant(d.max_over_min, 4),
       "SLQ nodes " + significant(d.lambda_min, 4) + " .. " + significant(d.lambda_max, 6)});
  lines.push_back({"Kh_" + significant(dens.kh_power, 3) + " (LLA)", significant(d.lla_kh, 4), ""});

  const int64_t hvps = e.hvps + t.hvps + d.hvps;
  ReportFigures figures;
  figures.lambda_max = e.eigenvalues.size() ? e.eigenvalues(0) : 0.0;
  figures.trace = t.total.trace;
  figures.parameters = target.op().rows();
  figures.node_min = d.lambda_min;
  figures.node_max = d.lambda_max;
  figures.max_over_min = d.max_over_min;
  figures.negative_mass_beyond = d.negative_mass_beyond;
  figures.negative_mass_beyond_stderr = d.negative_mass_beyond_std_error;
  figures.negative_mass_below_zero = d.negative_mass;
  figures.negative_threshold = dens.negative_threshold;
  figures.layers = t.per_layer;
  const std::vector<std::string> notes = report_notes(figures);
  const std::string md = markdown(*ws, target, lines, notes, run.output.out);
  Record rec;
  rec.add("markdown", md).only(kAttr);
  rec.add("report", run.markdown);
  describe_status(rec, Status::Ok, "");
  {
    ResultFile rf(run.output.out, &lock);
    Record group = rec;  // the summary keeps no target fields
    commit_target_group(rf, "report", group, target, *ws, cmd, hvps, clock.seconds());
  }
  write_file_atomically(run.markdown, md);
  HtmlReport page;
  page.sources = {run.output.out};
  for (const Line& l : lines) page.summary.push_back({l.quantity, l.value, l.detail});
  page.groups = collect_figures(run.output.out, {"eigen", "trace", "density"}, PlotStyle{});
  const std::string html = report_html_path(run);
  write_html(html, page);

  target.describe(rec);  // curvature, parameters
  describe_run(rec, *ws, run.output, hvps, clock.seconds());
  rec.add("target", target.summary()).only(0).head("target");
  Rows& table = rec.rows("summary").only(kText);
  std::vector<std::string> q, v, dt;
  for (const Line& l : lines) {
    q.push_back(l.quantity);
    v.push_back(l.value);
    dt.push_back(l.detail);
  }
  table.column("", "", "quantity", q).column("", "", "value", v).column("", "", "detail", dt);
  describe_numbers(rec, er, tr, dr);
  rec.add("html", html).only(kJson);
  const std::vector<std::string> written = {absolute_path(run.output.out),
                                            absolute_path(run.markdown), absolute_path(html)};
  rec.add("written", written).only(kJson);
  rec.add("notes", notes).only(kJson);
  std::string words;  // the notes, then where the files went
  for (const std::string& n : notes) words += n + "\n";
  rec.footer = words + "\n" + std::to_string(hvps) + " HVPs, " + significant(clock.seconds(), 3) +
               " s\nresults  " + written[0] + "\nreport   " + written[1] + "\nhtml     " +
               written[2];
  return rec;
}

}  // namespace hess::runs
