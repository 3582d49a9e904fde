#include "runs/plot_run.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "analyzers/stopwatch.h"
#include "engine/field_error.h"
#include "io/atomic_output.h"
#include "io/file_error.h"
#include "io/hdf5_file.h"
#include "io/isolated_read.h"
#include "runs/plot_groups.h"

extern char** environ;

namespace hess::runs {

namespace fs = std::filesystem;

namespace {

constexpr const char* kRsvg = "rsvg-convert";

// --- the figures cross from the child process as length-prefixed strings

void put(std::string& out, const std::string& s) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
}

struct Reader {
  const std::string& in;
  size_t at = 0;
  std::string next() {
    const size_t colon = in.find(':', at);
    if (colon == std::string::npos) throw std::runtime_error("plot: bad figure stream");
    const size_t n = std::stoul(in.substr(at, colon - at));
    std::string s = in.substr(colon + 1, n);
    at = colon + 1 + n;
    return s;
  }
  size_t count() { return std::stoul(next()); }
  bool done() const { return at >= in.size(); }
};

std::string encode(const std::vector<GroupFigures>& groups) {
  std::string out;
  for (const GroupFigures& g : groups) {
    put(out, g.group);
    put(out, g.file);
    put(out, std::to_string(g.figures.size()));
    for (const FigureDoc& f : g.figures) {
      put(out, f.id);
      put(out, f.title);
      put(out, f.svg);
      put(out, f.reading);
    }
    put(out, std::to_string(g.summary.size()));
    for (const SummaryLine& l : g.summary) {
      put(out, l.quantity);
      put(out, l.value);
      put(out, l.detail);
    }
    put(out, std::to_string(g.metadata.size()));
    for (const auto& [k, v] : g.metadata) {
      put(out, k);
      put(out, v);
    }
  }
  return out;
}

std::vector<GroupFigures> decode(const std::string& in) {
  std::vector<GroupFigures> out;
  Reader r{in};
  while (!r.done()) {
    GroupFigures g;
    g.group = r.next();
    g.file = r.next();
    for (size_t n = r.count(); n > 0; --n) {
      FigureDoc f;
      f.id = r.next();
      f.title = r.next();
      f.svg = r.next();
      f.reading = r.next();
      g.figures.push_back(std::move(f));
    }
    for (size_t n = r.count(); n > 0; --n) {
      SummaryLine l;
      l.quantity = r.next();
      l.value = r.next();
      l.detail = r.next();
      g.summary.push_back(std::move(l));
    }
    for (size_t n = r.count(); n > 0; --n) {
      std::string k = r.next();
      g.metadata.emplace_back(std::move(k), r.next());
    }
    out.push_back(std::move(g));
  }
  return out;
}

bool wanted(const std::vector<std::string>& groups, const std::string& name) {
  return groups.empty() || std::find(groups.begin(), groups.end(), name) != groups.end();
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out.empty() ? "nothing" : out;
}

// In the child: open, dispatch every plottable group, render.
std::vector<GroupFigures> read_figures(const std::string& file,
                                       const std::vector<std::string>& groups,
                                       const PlotStyle& style) {
  const h5::File f = h5::File::open_read(file);
  const std::string format = f.has_attr("format") ? f.string_attr("format") : "";
  if (format == kResultFormat) check_result_format(f);
  std::vector<GroupFigures> out;
  bool known_format = false;
  for (const PlotterEntry& e : group_plotters()) {
    if (format != e.format) continue;
    known_format = true;
    const std::string path = e.group;
    if (!wanted(groups, e.name)) continue;
    if (!path.empty() && !f.has_group(path)) continue;
    GroupFigures g = e.plot(ResultGroupView(path.empty() ? f.reopen() : f.group(path)), style);
    g.file = file;
    out.push_back(std::move(g));
  }
  if (!known_format)
    throw FileError(file, "is neither a result file nor a training log (format '" + format + "')");
  if (out.empty()) {
    std::vector<std::string> held = f.children();
    throw FileError(file, std::string("has no plottable group") +
                              (groups.empty() ? "" : " among --groups " + joined(groups)) +
                              " (it holds: " + joined(held) + "; plottable: " + plottable_names() +
                              ")");
  }
  return out;
}

void make_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) throw FileError(dir, "cannot be created as a folder");
}

// rsvg-convert SVG -> PNG; FileError naming the PNG on failure.
void convert_png(const std::string& svg, const std::string& png) {
  AtomicOutput out(png, OutputKind::text());  // a PNG: any file but an HDF5 one is replaced
  std::vector<std::string> args = {kRsvg, "--format", "png", "--output", out.partial_path(), svg};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, kRsvg, nullptr, nullptr, argv.data(), environ);
  if (rc != 0)
    throw FileError(png, std::string("cannot run ") + kRsvg +
                             " (Debian package librsvg2-bin): " + std::strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw FileError(png, std::string(kRsvg) + " failed on " + svg);
  out.commit();
}

}  // namespace

void PlotRun::validate() const {
  if (files.empty())
    throw FieldError("files", "missing: give at least one result file or training log");
  for (const std::string& g : groups) {
    bool known = false;
    for (const PlotterEntry& e : group_plotters()) known = known || g == e.name;
    if (!known)
      throw FieldError("groups",
                       "has the unknown group '" + g + "' (plottable: " + plottable_names() + ")");
  }
}

std::vector<GroupFigures> collect_figures(const std::string& file,
                                          const std::vector<std::string>& groups,
                                          const PlotStyle& style) {
  return decode(run_isolated(
      file, [&] { return encode(read_figures(file, groups, style)); }, isolation_time_limit(file)));
}

void write_html(const std::string& path, const HtmlReport& report) {
  write_file_atomically(path, render_html(report));
}

Record plot(const PlotRun& run) {
  run.validate();
  const Stopwatch clock;
  HtmlReport report;
  for (const std::string& file : run.files) {
    std::vector<GroupFigures> g = collect_figures(file, run.groups, run.style);
    report.groups.insert(report.groups.end(), g.begin(), g.end());
    report.sources.push_back(file);
  }
  // figure ids unique across files
  if (run.files.size() > 1) {
    for (size_t k = 0; k < report.groups.size(); ++k) {
      const size_t file_index = static_cast<size_t>(
          std::find(run.files.begin(), run.files.end(), report.groups[k].file) - run.files.begin());
      std::string prefix = "f";
      prefix += std::to_string(file_index + 1);
      prefix += '-';
      for (FigureDoc& f : report.groups[k].figures) f.id.insert(0, prefix);
    }
  }
  std::string html = run.html;
  if (html.empty() && run.svg_dir.empty() && run.png_dir.empty()) html = kDefaultPlotHtml;

  std::vector<std::string> written;
  int64_t figures = 0;
  for (const GroupFigures& g : report.groups) figures += static_cast<int64_t>(g.figures.size());
  if (!run.svg_dir.empty()) make_dir(run.svg_dir);
  if (!run.png_dir.empty()) make_dir(run.png_dir);
  for (const GroupFigures& g : report.groups) {
    for (const FigureDoc& f : g.figures) {
      if (!run.svg_dir.empty()) {
        const std::string path = (fs::path(run.svg_dir) / (f.id + ".svg")).string();
        write_file_atomically(path, f.svg);
        written.push_back(path);
      }
      if (!run.png_dir.empty()) {
        const std::string svg = (fs::path(run.png_dir) / (f.id + ".svg.tmp")).string();
        const std::string png = (fs::path(run.png_dir) / (f.id + ".png")).string();
        write_file_atomically(svg, f.svg);
        try {
          convert_png(svg, png);
        } catch (...) {
          std::error_code ec;
          fs::remove(svg, ec);
          throw;
        }
        std::error_code ec;
        fs::remove(svg, ec);
        written.push_back(png);
      }
    }
  }
  if (!html.empty()) {
    write_html(html, report);
    written.push_back(html);
  }

  Record rec;
  std::vector<std::string> names;
  for (const GroupFigures& g : report.groups) names.push_back(g.group);
  rec.add("files", run.files).only(kJson);
  rec.add("groups", names).only(kJson);
  rec.add("figures", figures).only(kJson).show("figures", 6, "of " + joined(names));
  rec.add("html", html).only(kJson);
  if (!html.empty()) rec.add("page", html).only(0).head("html");
  rec.add("svg_dir", run.svg_dir).only(kJson);
  rec.add("png_dir", run.png_dir).only(kJson);
  rec.add("written", written).only(kJson);
  rec.add("seconds", clock.seconds()).only(kJson);
  rec.footer = "wrote " + std::to_string(written.size()) + " file" +
               (written.size() == 1 ? "" : "s") + (html.empty() ? "" : ", " + html);
  return rec;
}

}  // namespace hess::runs
