// hessian landscape: 1-D and 2-D loss landscapes around a model (analyzers/landscape.h) along
// random, Hessian-eigenvector, interpolation, PCA or file axes (tools/landscape_axes.h). The
// surface lives in the resumable group /landscape of --out: flushed as points complete, stopped
// cleanly by SIGTERM/SIGINT, continued by rerunning the same command, refused when the group holds
// another landscape. Exported as loss-landscape's surface, direction and projection files
// (io/landscape_files.h) and as a ParaView surface.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>

#include "analyzers/directions.h"
#include "analyzers/landscape.h"
#include "analyzers/stopwatch.h"
#include "io/hdf5_file.h"
#include "io/landscape_files.h"
#include "io/result_file.h"
#include "io/vtk_surface.h"
#include "tools/cli_error.h"
#include "tools/commands.h"
#include "tools/json.h"
#include "tools/landscape_axes.h"
#include "tools/point_workers.h"
#include "tools/progress.h"
#include "tools/result_metadata.h"
#include "tools/session.h"
#include "tools/stop_signal.h"
#include "tools/table.h"

namespace hess::cli {

namespace {

// loss-landscape stores accuracies in percent.
constexpr double kPercent = 100.0;
// Progress reaches the disk at least this often (and at the end, and when a signal stops the run).
constexpr double kFlushSeconds = 0.5;
constexpr const char* kGroup = "landscape";

struct LandscapeFlags {
  std::string x = "-1:1:51", y;
  std::string dirs = "random", norm = "filter";
  bool include_1d = false;
  std::string to, checkpoints, dir_file;
  std::string surface;
  std::string vtk;
  double vtk_zmax = 0.0;
  bool vtk_log = false;
};

using Settings = std::vector<std::pair<std::string, std::string>>;

std::string exact(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// What makes two runs the same landscape: the model and data (by SHA-256), the analysis set, the
// grid, the axes and the files they come from. Threads and batch size are not in it (a point's
// value does not depend on the worker that computed it).
Settings landscape_settings(const Session& s, const CommonOptions& o, const LandscapeOptions& lo,
                            const AxesRequest& q) {
  const ResultMetadata m = result_metadata(s, o, 0.0);
  Settings st = {
      {"model", s.model_path.empty() ? s.model_label : std::string("file")},
      {"model_sha256", m.model_sha256},
      {"data", s.data_path.empty() ? s.data_label : std::string("file")},
      {"data_sha256", m.data_sha256},
      {"samples", std::to_string(s.objective->num_samples())},
      {"seed", std::to_string(o.seed)},
      {"precision", m.precision},
      {"loss", o.loss},
      {"weight_decay", exact(o.weight_decay)},
      {"dirs", std::string(name_of(q.kind))},
      {"norm", std::string(name_of(q.norm))},
      {"include_1d", q.include_1d ? "yes" : "no"},
      {"x", axis_spec(lo.x)},
      {"y", lo.y ? axis_spec(*lo.y) : std::string("none")},
  };
  for (auto& kv : axes_inputs(q)) st.push_back(std::move(kv));
  return st;
}

std::string serialize(const Settings& st) {
  std::string out;
  for (const auto& [k, v] : st) out += k + "=" + v + "\n";
  return out;
}

// "key: A (there) vs B (this run)" for the first setting that differs, "" when none does.
std::string first_difference(const std::string& there, const Settings& here) {
  std::istringstream in(there);
  std::vector<std::pair<std::string, std::string>> old;
  for (std::string line; std::getline(in, line);) {
    const size_t eq = line.find('=');
    old.emplace_back(line.substr(0, eq), eq == std::string::npos ? "" : line.substr(eq + 1));
  }
  for (const auto& [k, v] : here) {
    const auto it =
        std::find_if(old.begin(), old.end(), [&](const auto& p) { return p.first == k; });
    const std::string was = it == old.end() ? std::string("(absent)") : it->second;
    if (was != v) return k + " " + was + " there, " + v + " in this run";
  }
  if (old.size() != here.size()) return "the set of settings";
  return {};
}

// Throws when `g` holds another landscape: nothing is written then.
void refuse_other(const h5::Group& g, const Settings& here, const std::string& where) {
  const std::string there = g.has_attr("settings") ? g.string_attr("settings") : std::string();
  const std::string diff = first_difference(there, here);
  if (diff.empty()) return;
  throw std::runtime_error(where + " holds another landscape (" + diff +
                           "); it is left as it is: give another --out, or remove it to start "
                           "afresh");
}

std::vector<double> read_vector(const h5::Group& g, const std::string& name) {
  return g.has_dataset(name) ? g.dataset(name).read<double>() : std::vector<double>{};
}

std::string stem_of(const std::string& path) {
  const std::string h5 = ".h5";
  if (path.size() > h5.size() && path.compare(path.size() - h5.size(), h5.size(), h5) == 0)
    return path.substr(0, path.size() - h5.size());
  return path;
}

// Records the axes in the group (so a resumed run uses exactly these).
void store_axes(ResultGroup& g, const Axes& a) {
  g.write("xdirection", a.directions.x);
  if (!a.directions.y.empty()) g.write("ydirection", a.directions.y);
  for (const auto& [name, values] : a.stats) g.write(name, values);
  if (!a.proj_x.empty()) {
    g.write("proj_xcoord", a.proj_x);
    g.write("proj_ycoord", a.proj_y);
    g.write("proj_checkpoints", a.proj_labels);
  }
  g.attr("axes_hvps", a.hvps);
}

struct Exported {
  std::string surface, dir_file, proj_file, vtk;
};

// Writes the surface, direction and projection files and the ParaView surface from a landscape
// group (complete or not).
Exported export_files(const h5::Group& g, const LandscapeFlags& f, const AxesRequest& q,
                      const Graph& graph) {
  Exported e;
  const bool two_d = g.has_dataset("ycoordinates");
  SurfaceData s;
  s.xcoordinates = read_vector(g, "xcoordinates");
  s.ycoordinates = read_vector(g, "ycoordinates");
  s.train_loss = read_vector(g, "train_loss");
  s.train_acc = read_vector(g, "train_acc");
  if (!f.surface.empty()) {
    e.surface = f.surface;
    if (q.kind == DirectionKind::File) {
      e.dir_file = f.dir_file;
    } else {
      e.dir_file = stem_of(f.surface) + ".dirs.h5";
      std::vector<std::vector<double>> d = {read_vector(g, "xdirection")};
      if (two_d) d.push_back(read_vector(g, "ydirection"));
      std::map<std::string, std::vector<double>> extra;
      if (q.kind == DirectionKind::Pca) {
        for (const char* k :
             {"explained_variance_", "explained_variance_ratio_", "singular_values_"})
          extra[k] = read_vector(g, k);
      }
      write_direction_file(e.dir_file, graph, d, extra);
    }
    if (q.kind == DirectionKind::Pca) {
      e.proj_file = stem_of(f.surface) + ".proj.h5";
      write_projection_file(e.proj_file, read_vector(g, "proj_xcoord"),
                            read_vector(g, "proj_ycoord"));
    }
    s.dir_file = e.dir_file;
    for (const char* a : {"settings", "dirs", "norm", "x", "y"}) {
      if (g.has_attr(a)) s.attrs[a] = g.attr(a);
    }
    const int64_t missing = std::count(s.train_loss.begin(), s.train_loss.end(), kNotComputed);
    s.attrs["missing_points"] = missing;
    s.attrs["engine_version"] = std::string(HESS_VERSION);
    write_surface_file(f.surface, s);
  }
  if (!f.vtk.empty()) {
    write_vtk_surface(f.vtk,
                      VtkSurface{s.xcoordinates,
                                 s.ycoordinates,
                                 {{"train_loss", s.train_loss}, {"train_acc", s.train_acc}}},
                      VtkOptions{f.vtk_zmax, f.vtk_log});
    e.vtk = f.vtk;
  }
  return e;
}

bool exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

}  // namespace

int run_landscape(const std::vector<std::string>& args) {
  CommonOptions o;
  LandscapeFlags f;
  po::options_description desc("Options");
  add_model_flags(desc, o);
  add_data_flags(desc, o);
  desc.add_options()("x", po::value(&f.x)->value_name("MIN:MAX:N")->default_value(f.x),
                     "x axis: N points from MIN to MAX")(
      "y", po::value(&f.y)->value_name("MIN:MAX:N"), "y axis (a 2-D landscape)")(
      "dirs", po::value(&f.dirs)->value_name("KIND")->default_value(f.dirs),
      "axes: random, eigen (top Hessian eigenvectors), interp (--to), pca (--checkpoints), "
      "file (--dir-file)")(
      "norm", po::value(&f.norm)->value_name("filter|layer|none")->default_value(f.norm),
      "normalization of random directions")("include-1d", po::bool_switch(&f.include_1d),
                                            "perturb biases and norm parameters too")(
      "to", po::value(&f.to)->value_name("MODEL2"), "interp: the model at x = 1")(
      "checkpoints", po::value(&f.checkpoints)->value_name("GLOB"),
      "pca: the checkpoints of a training run (folder, glob or series file)")(
      "dir-file", po::value(&f.dir_file)->value_name("FILE"),
      "file: a direction file (loss-landscape's schema)")(
      "surface", po::value(&f.surface)->value_name("FILE.h5"),
      "also write loss-landscape's surface file, and STEM.dirs.h5 (STEM.proj.h5 for pca)")(
      "vtk", po::value(&f.vtk)->value_name("FILE.vtp"), "also write the 2-D surface for ParaView")(
      "vtk-zmax", po::value(&f.vtk_zmax)->value_name("Z"), "clip the VTK heights at Z")(
      "vtk-log", po::bool_switch(&f.vtk_log), "VTK heights log(loss + 0.1)");
  add_output_flags(desc, o, "results.h5");
  const char* examples =
      "  hessian landscape --model m.h5 --data train.h5 --x -1:1:51 --y -1:1:51 --surface s.h5\n"
      "  hessian landscape --model m.h5 --data train.h5 --dirs interp --to m2.h5 --x -0.5:1.5:81\n"
      "  hessian landscape --model run/checkpoints/step-000001000.h5 --data train.h5 --dirs pca\n"
      "      --checkpoints run/checkpoints --x -1:1:41 --y -1:1:41\n";
  if (!parse_args(
          "landscape", args, desc,
          "(--model FILE | --arch SPEC) [--data FILE] --x MIN:MAX:N [--y MIN:MAX:N] [options]",
          examples)) {
    return kExitOk;
  }
  o.command_line = command_line("landscape", args);
  LandscapeOptions lo;
  lo.x = as_usage([&] { return parse_axis(f.x, "--x"); });
  if (!f.y.empty()) lo.y = as_usage([&] { return parse_axis(f.y, "--y"); });
  AxesRequest q;
  q.kind = as_usage([&] { return parse_enum<DirectionKind>(f.dirs); });
  q.norm = as_usage([&] { return parse_enum<Normalization>(f.norm); });
  q.include_1d = f.include_1d;
  q.two_d = lo.y.has_value();
  q.seed = o.seed;
  q.to = f.to;
  q.checkpoints = f.checkpoints;
  q.dir_file = f.dir_file;
  check_axes_request(q, !f.to.empty(), !f.checkpoints.empty(), !f.dir_file.empty());
  if (!f.vtk.empty() && !lo.y)
    throw UsageError("--vtk: a ParaView surface needs a 2-D landscape (--y)");
  if (f.vtk_zmax < 0) throw UsageError("--vtk-zmax must be positive");
  if (!f.surface.empty() && (f.surface == o.out || f.surface == f.dir_file))
    throw UsageError("--surface must name a file of its own");

  const Stopwatch clock;
  auto session = open_session(o, true);
  const Settings settings = landscape_settings(*session, o, lo, q);
  const std::string settings_text = serialize(settings);
  const int64_t total = empty_surface(lo).size();

  // A complete landscape already in --out: the same one is kept as it is, another is refused.
  if (exists(o.out)) {
    const h5::File old = h5::File::open_read(o.out);
    check_result_format(old);
    if (old.has_group(kGroup)) {
      const h5::Group g = old.group(kGroup);
      refuse_other(g, settings, o.out + ": /" + kGroup);
      const Exported e = export_files(g, f, q, session->model.graph);
      Json j = Json::object();
      j.set("out", o.out).set("complete", true).set("evaluated_points", int64_t{0});
      j.set("resumed_points", total).set("surface", e.surface).set("dir_file", e.dir_file);
      if (o.json) {
        std::printf("%s\n", j.dump().c_str());
      } else {
        std::printf("%s: the landscape is complete (%lld points); 0 points evaluated\n",
                    o.out.c_str(), static_cast<long long>(total));
      }
      return kExitOk;
    }
  }

  // Progress of the same landscape: its axes are reused. The axes of a new one are computed before
  // the progress file is touched, so a failure there leaves nothing behind.
  bool have_axes = false;
  if (exists(progress_path_of(o.out))) {
    const h5::File p = h5::File::open_read(progress_path_of(o.out));
    if (p.has_group(kGroup)) {
      const h5::Group g = p.group(kGroup);
      refuse_other(g, settings, progress_path_of(o.out) + ": /" + kGroup);
      have_axes = g.has_dataset("xdirection") && (!lo.y || g.has_dataset("ydirection"));
    }
  }
  std::optional<Axes> axes;
  if (!have_axes) axes = make_axes(q, o, *session);

  ResultFile rf(o.out);
  ResultGroup& g = rf.resumable_group(kGroup);
  if (!rf.progress_note().empty())
    std::fprintf(stderr, "hessian: warning: %s\n", rf.progress_note().c_str());
  if (g.resumed()) refuse_other(g.h5(), settings, progress_path_of(o.out) + ": /" + kGroup);
  g.attr("settings", settings_text);
  if (axes) store_axes(g, *axes);
  g.attr("dirs", std::string(name_of(q.kind)));
  g.attr("norm", std::string(name_of(q.norm)));
  g.attr("include_1d", int64_t{q.include_1d});
  g.attr("x", axis_spec(lo.x));
  g.attr("y", lo.y ? axis_spec(*lo.y) : std::string());
  g.write("xcoordinates", lo.x.coordinates());
  if (lo.y) g.write("ycoordinates", lo.y->coordinates());
  const Shape shape = lo.y ? Shape{lo.y->n, lo.x.n} : Shape{lo.x.n};
  ProgressArray loss = g.progress("train_loss", shape, kNotComputed);
  ProgressArray acc = g.progress("train_acc", shape, kNotComputed);
  loss.flush();

  LandscapeDirections dirs;
  dirs.x = g.h5().dataset("xdirection").read<double>();
  if (lo.y) dirs.y = g.h5().dataset("ydirection").read<double>();
  Surface before = empty_surface(lo);
  {
    const std::vector<double> l = loss.values(), a = acc.values();
    for (int64_t k = 0; k < total; ++k) {
      if (l[k] == kNotComputed || a[k] == kNotComputed) continue;
      before.loss[k] = l[k];
      before.accuracy[k] = a[k] / kPercent;
    }
  }

  PointWorkers workers = make_point_workers(*session);
  Progress progress(total, o.quiet);
  int64_t points_done = before.count_computed();
  StopSignal stop;
  Stopwatch since_flush;
  LandscapeHooks hooks;
  hooks.resume = &before;
  hooks.cancel = &stop.flag();
  hooks.on_point = [&](const LandscapePoint& p) {
    acc.set(p.index, p.value.accuracy * kPercent);
    loss.set(p.index, p.value.loss);
    progress.update(++points_done, "points, loss " + num(p.value.loss, 4));
    if (since_flush.seconds() >= kFlushSeconds) {
      loss.flush();
      since_flush = Stopwatch();
    }
  };
  const LandscapeResult r = run(lo, dirs, workers.pointers, hooks);
  progress.finish();
  loss.flush();
  const int64_t done = r.surface.count_computed();
  const bool complete = done == total;
  g.attr("evaluated_points", r.evaluated);
  g.attr("resumed_points", r.resumed);
  g.attr("non_finite_points", r.non_finite);
  g.attr("passes", r.passes);
  g.attr("status", std::string(name_of(r.status)));
  loss.flush();
  const Exported e = export_files(g.h5(), f, q, session->model.graph);
  if (!complete) {
    const std::string why = stop.received() ? "interrupted by " + stop.name() : "stopped";
    throw std::runtime_error(why + " after " + std::to_string(r.evaluated) + " new points (" +
                             std::to_string(done) + " of " + std::to_string(total) +
                             " done, kept in " + progress_path_of(o.out) +
                             "); rerun the same command to resume");
  }
  const double seconds = clock.seconds();
  rf.commit(result_metadata(*session, o, seconds));

  const Surface& s = r.surface;
  double lo_loss = INFINITY, hi_loss = -INFINITY;
  for (double v : s.loss) {
    if (std::isfinite(v)) {
      lo_loss = std::min(lo_loss, v);
      hi_loss = std::max(hi_loss, v);
    }
  }
  Json j = Json::object();
  j.set("model", session->model_label).set("data", session->data_label);
  j.set("samples", session->objective->num_samples());
  j.set("dirs", std::string(name_of(q.kind))).set("norm", std::string(name_of(q.norm)));
  j.set("x", axis_spec(s.x)).set("nx", s.nx()).set("ny", s.ny());
  if (s.y) j.set("y", axis_spec(*s.y));
  j.set("evaluated_points", r.evaluated)
      .set("resumed_points", r.resumed)
      .set("non_finite_points", r.non_finite);
  j.set("min_loss", lo_loss).set("max_loss", hi_loss);
  j.set("passes", r.passes)
      .set("seconds", seconds)
      .set("threads", static_cast<int64_t>(workers.pointers.size()));
  j.set("status", std::string(name_of(r.status))).set("message", r.message);
  j.set("out", o.out).set("complete", true);
  j.set("surface", e.surface).set("dir_file", e.dir_file).set("proj_file", e.proj_file);
  j.set("vtk", e.vtk);
  if (axes && !axes->warning.empty())
    std::fprintf(stderr, "hessian: warning: %s\n", axes->warning.c_str());
  if (r.status != Status::Ok) std::fprintf(stderr, "hessian: warning: %s\n", r.message.c_str());
  if (o.json) {
    std::printf("%s\n", j.dump().c_str());
    return kExitOk;
  }
  std::printf("model   %s\nsurface %lld x %lld (%s, %s), %lld points evaluated, %lld resumed\n",
              session->model_label.c_str(), static_cast<long long>(s.nx()),
              static_cast<long long>(s.ny()), std::string(name_of(q.kind)).c_str(),
              std::string(name_of(q.norm)).c_str(), static_cast<long long>(r.evaluated),
              static_cast<long long>(r.resumed));
  std::printf("loss    %s .. %s\n%lld passes, %s s on %zu threads\nresult  %s:/%s\n",
              num(lo_loss).c_str(), num(hi_loss).c_str(), static_cast<long long>(r.passes),
              num(seconds, 3).c_str(), workers.pointers.size(), o.out.c_str(), kGroup);
  if (!e.surface.empty())
    std::printf("surface %s (directions %s)\n", e.surface.c_str(), e.dir_file.c_str());
  if (!e.proj_file.empty()) std::printf("path    %s\n", e.proj_file.c_str());
  return kExitOk;
}

}  // namespace hess::cli
