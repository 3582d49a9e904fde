#include "runs/landscape_run.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>

#include "analyzers/stopwatch.h"
#include "dist/cluster.h"
#include "engine/field_error.h"
#include "engine/number_format.h"
#include "io/atomic_output.h"
#include "io/file_lock.h"
#include "io/fingerprint.h"
#include "io/landscape_files.h"
#include "io/result_reader.h"
#include "io/vtk_surface.h"
#include "runs/observed_objective.h"
#include "runs/resources.h"

namespace hess::runs {

namespace {

// loss-landscape stores accuracies in percent.
constexpr double kPercent = 100.0;
// Progress reaches the disk at least this often (and at the end, and when the run is stopped).
constexpr double kFlushSeconds = 0.5;
// Memory per grid point: the surface's loss and accuracy, the progress arrays, the resumed copy and
// the exported surface, in double.
constexpr int64_t kBytesPerGridPoint = 8 * sizeof(double);
// Disk per grid point: the progress file's two arrays, then the result group's.
constexpr int64_t kProgressBytesPerGridPoint = 4 * sizeof(double);

int64_t grid_points(const LandscapeOptions& lo) {
  return lo.x.n * (lo.y ? lo.y->n : 1);
}
constexpr const char* kGroup = "landscape";

// What makes two runs the same landscape: the model and data (by the SHA-256 of their values, not
// of their files: the same data imported twice is the same data), the analysis set, the
// test set when there is one, the grid, the axes and the files they come from. Threads and batch
// size are not in it (a point's value does not depend on the worker that computed it).
Fingerprint fingerprint(const Workspace& ws, const Workspace* test, const LandscapeRun& run) {
  const Inputs& in = ws.inputs();
  Fingerprint f;
  f.add("model", ws.model_path().empty() ? ws.model_label() : std::string("file"))
      .add("model_values_sha256", ws.model_values_digest())
      .add("data", ws.data_path().empty() ? ws.data_label() : std::string("file"))
      .add("data_values_sha256", ws.data_values_digest())
      .add("samples", ws.objective().num_samples())
      .add("seed", in.seed);
  // Only when it differs: landscapes before --data-seed drew their subset from the seed.
  if (in.analysis_seed() != in.seed) f.add("data_seed", in.analysis_seed());
  f.add("precision", std::string(name_of(in.precision)))
      .add("loss", std::string(name_of(in.loss)))
      .add("weight_decay", in.weight_decay)
      .add("dirs", std::string(name_of(run.axes.kind)))
      .add("norm", std::string(name_of(run.axes.norm)))
      .add("include_1d", run.axes.include_1d ? "yes" : "no")
      .add("x", axis_spec(run.grid.x))
      .add("y", run.grid.y ? axis_spec(*run.grid.y) : std::string("none"));
  add_axes_inputs(f, run.axes);
  // Only with a test set, so that a landscape without one keeps the fingerprint it had before
  // test sets existed.
  if (test) {
    f.add("test_data_values_sha256", test->data_values_digest())
        .add("test_samples", test->objective().num_samples());
  }
  return f;
}

std::string label_kind(const Dataset& d) {
  return d.has_labels() ? "class labels 0.." + std::to_string(d.num_classes() - 1)
                        : std::to_string(d.target_dim) + " real targets per sample";
}

// The test set's workspace, with the analysis set's model: every fault of the file, or of its
// samples against the analysis set's, is a FieldError naming `test_data` (nothing is written yet).
std::unique_ptr<Workspace> open_test(const LandscapeTest& test, const Workspace& ws,
                                     const Inputs& inputs, Observer& observer) {
  Inputs in = inputs;
  in.data = test.data;
  in.arrays = nullptr;  // the analysis set's arrays (Python), not the test set
  in.samples = test.samples;
  std::unique_ptr<Workspace> t;
  try {
    t = open_workspace(in, ws.model(), ws.model_label(), ws.model_path(), observer);
  } catch (const FieldError& e) {
    if (e.field() == "samples") throw FieldError("test_samples", e.requirement());
    throw;
  } catch (const std::runtime_error& e) {  // the file, or data that does not fit the model
    throw FieldError("test_data", e.what());
  }
  for (const std::string& w : t->warnings()) observer.warn(w);
  const Dataset &a = ws.data(), &b = t->data();
  if (b.sample_shape != a.sample_shape) {
    throw FieldError("test_data", test.data + ": samples of shape " + to_string(b.sample_shape) +
                                      ", those of {data} are " + to_string(a.sample_shape));
  }
  if (b.has_labels() != a.has_labels() || b.target_dim != a.target_dim ||
      b.num_classes() > a.num_classes()) {
    throw FieldError("test_data",
                     test.data + ": " + label_kind(b) + ", {data} has " + label_kind(a));
  }
  return t;
}

// The part of the grid a progress array pair already holds (accuracy stored in percent).
Surface resumed_surface(const LandscapeOptions& lo, const ProgressArray& loss,
                        const ProgressArray& acc) {
  Surface before = empty_surface(lo);
  const std::vector<double> l = loss.values(), a = acc.values();
  for (int64_t k = 0; k < before.size(); ++k) {
    if (l[k] == kNotComputed || a[k] == kNotComputed) continue;
    before.loss[k] = l[k];
    before.accuracy[k] = a[k] / kPercent;
  }
  // Rank 0's progress (the file it reads) for every rank.
  dist::broadcast(before.loss);
  dist::broadcast(before.accuracy);
  return before;
}

// The finite range of a surface's losses ([inf, -inf] when none is finite).
std::pair<double, double> loss_range(const Surface& s) {
  double lo = INFINITY, hi = -INFINITY;
  for (double v : s.loss) {
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  return {lo, hi};
}

// Throws when `g` holds another landscape: nothing is written then.
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
Exported export_files(const ResultGroupView& g, const LandscapeRun& run, const Graph& graph) {
  const LandscapeExports& x = run.exports;
  Exported e;
  const bool two_d = g.has_dataset("ycoordinates");
  SurfaceData s;
  s.xcoordinates = g.values_or_empty("xcoordinates");
  s.ycoordinates = g.values_or_empty("ycoordinates");
  s.train_loss = g.values_or_empty("train_loss");
  s.train_acc = g.values_or_empty("train_acc");
  s.test_loss = g.values_or_empty("test_loss");
  s.test_acc = g.values_or_empty("test_acc");
  if (!x.surface.empty()) {
    e.surface = x.surface;
    if (run.axes.kind == DirectionKind::File) {
      e.dir_file = run.axes.dir_file;
    } else {
      e.dir_file = stem_of(x.surface) + ".dirs.h5";
      std::vector<std::vector<double>> d = {g.values("xdirection")};
      if (two_d) d.push_back(g.values("ydirection"));
      std::map<std::string, std::vector<double>> extra;
      if (run.axes.kind == DirectionKind::Pca) {
        for (const char* k :
             {"explained_variance_", "explained_variance_ratio_", "singular_values_"})
          extra[k] = g.values(k);
      }
      write_direction_file(e.dir_file, graph, d, extra);
    }
    if (run.axes.kind == DirectionKind::Pca) {
      e.proj_file = stem_of(x.surface) + ".proj.h5";
      write_projection_file(e.proj_file, g.values("proj_xcoord"), g.values("proj_ycoord"));
    }
    s.dir_file = e.dir_file;
    s.attrs["settings"] = Fingerprint::read(g.h5()).text();
    for (const char* a : {"dirs", "norm", "x", "y"}) {
      if (g.h5().has_attr(a)) s.attrs[a] = g.h5().attr(a);
    }
    const int64_t missing = std::count(s.train_loss.begin(), s.train_loss.end(), kNotComputed);
    s.attrs["missing_points"] = missing;
    s.attrs["engine_version"] = std::string(HESS_VERSION);
    write_surface_file(x.surface, s);
  }
  if (!x.vtk.empty()) {
    write_vtk_surface(x.vtk,
                      VtkSurface{s.xcoordinates,
                                 s.ycoordinates,
                                 {{"train_loss", s.train_loss}, {"train_acc", s.train_acc}}},
                      VtkOptions{x.vtk_zmax, x.vtk_log});
    e.vtk = x.vtk;
  }
  return e;
}

bool exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

void describe_exports(Record& rec, const Exported& e) {
  rec.add("surface", e.surface).only(kJson);
  rec.add("dir_file", e.dir_file).only(kJson);
  rec.add("proj_file", e.proj_file).only(kJson);
  rec.add("vtk", e.vtk).only(kJson);
  if (!e.surface.empty())
    rec.add("surface_text", e.surface + " (directions " + e.dir_file + ")").only(0).head("surface");
  if (!e.proj_file.empty()) rec.add("path_text", e.proj_file).only(0).head("path");
  if (!e.vtk.empty()) rec.add("vtk_text", e.vtk).only(0).head("vtk");
}

void check_run(const LandscapeRun& run) {
  run.test.validate();
  run.grid.validate();
  run.axes.validate();
  const LandscapeExports& x = run.exports;
  if (!x.vtk.empty() && !run.grid.y)
    throw FieldError("vtk", "a ParaView surface needs a 2-D landscape ({y})");
  if (!(x.vtk_zmax >= 0) || !std::isfinite(x.vtk_zmax))
    throw FieldError("vtk_zmax", "must be non-negative and finite");
  if (!x.surface.empty() &&
      (x.surface == run.output.out || x.surface == run.axes.dir_file ||
       x.surface == run.inputs.model || x.surface == run.inputs.data || x.surface == run.test.data))
    throw FieldError("surface", "must name a file of its own");
}

// The points `before` lacks, divided among the ranks of a distributed run in rounds: in each round
// every rank evaluates up to `chunk` whole points (rank 0's worker count) with its own point
// workers, and rank 0 receives the round's finished points (on_point, on rank 0 only) before the
// next one; rank 0's cancel flag stops every rank after a round. Each point is computed exactly as
// a single process computes it, so the grid is the same bits whatever the rank count.
LandscapeResult run_on_ranks(const LandscapeOptions& lo, const LandscapeDirections& dirs,
                             const std::vector<Objective*>& workers, const Surface& before,
                             const LandscapeCallback& on_point, const std::atomic<bool>* cancel) {
  constexpr int kSlot = 4;  // index (−1: empty), loss, accuracy, finite
  const Stopwatch clock;
  const int ranks = dist::size(), me = dist::rank();
  std::vector<int64_t> chunk{static_cast<int64_t>(workers.size())};
  dist::broadcast(chunk);
  const int64_t c = chunk[0];
  LandscapeResult r;
  r.surface = before;
  r.resumed = before.count_computed();
  std::vector<int64_t> todo;
  for (int64_t k = 0; k < before.size(); ++k) {
    if (!before.computed(k)) todo.push_back(k);
  }
  const std::vector<double> xs = lo.x.coordinates();
  const std::vector<double> ys = lo.y ? lo.y->coordinates() : std::vector<double>{0.0};
  const int64_t nx = lo.x.n;
  for (size_t at = 0; at < todo.size(); at += static_cast<size_t>(ranks * c)) {
    std::vector<double> row(kSlot * c, -1.0);
    std::exception_ptr error;
    try {
      Surface mine = empty_surface(lo);
      std::fill(mine.loss.begin(), mine.loss.end(), 0.0);  // "computed": not this rank's
      std::fill(mine.accuracy.begin(), mine.accuracy.end(), 0.0);
      bool any = false;
      for (int64_t q = 0; q < c; ++q) {
        const size_t n = at + me * c + q;
        if (n >= todo.size()) break;
        mine.loss[todo[n]] = kNotComputed;
        any = true;
      }
      int64_t slot = 0;
      LandscapeHooks h;
      h.resume = &mine;
      h.on_point = [&](const LandscapePoint& p) {
        double* s = row.data() + kSlot * slot++;
        s[0] = static_cast<double>(p.index);
        s[1] = p.value.loss;
        s[2] = p.value.accuracy;
        s[3] = p.finite ? 1.0 : 0.0;
      };
      if (any) hess::run(lo, dirs, workers, h);
    } catch (...) {
      error = std::current_exception();
    }
    const std::vector<double> all = dist::gather(row, error);
    for (size_t q = 0; q + kSlot <= all.size(); q += kSlot) {
      if (all[q] < 0) continue;
      LandscapePoint p;
      p.index = static_cast<int64_t>(all[q]);
      p.i = p.index % nx;
      p.j = p.index / nx;
      p.x = xs[p.i];
      p.y = lo.y ? ys[p.j] : 0.0;
      p.value.loss = all[q + 1];
      p.value.accuracy = all[q + 2];
      p.finite = all[q + 3] == 1.0;
      r.surface.loss[p.index] = p.value.loss;
      r.surface.accuracy[p.index] = p.value.accuracy;
      ++r.evaluated;
      ++r.passes;
      if (!p.finite) ++r.non_finite;
      if (on_point) on_point(p);
    }
    std::vector<int64_t> stop{cancel && cancel->load() ? 1 : 0};
    dist::broadcast(stop);
    if (stop[0]) {
      r.cancelled = at + ranks * c < todo.size();
      break;
    }
  }
  if (r.non_finite > 0) {
    r.status = Status::NonFinite;
    r.message = std::to_string(r.non_finite) + " point(s) with a non-finite loss";
  }
  r.seconds = clock.seconds();
  return r;
}

}  // namespace

void LandscapeTest::validate() const {
  require_at_least("test_samples", samples, int64_t{0}, "(0: all)");
  if (samples > 0 && data.empty()) throw FieldError("test_samples", "goes with {test_data}");
}

Record landscape(const LandscapeRun& run, Observer& observer) {
  check_run(run);
  const Stopwatch clock;
  auto ws = open_workspace(run.inputs, observer);
  const std::unique_ptr<Workspace> test =
      run.test.data.empty() ? nullptr : open_test(run.test, *ws, run.inputs, observer);
  const Fingerprint settings = fingerprint(*ws, test.get(), run);
  const LandscapeOptions& lo = run.grid;
  const int64_t total = grid_points(lo);
  const int64_t sets = test ? 2 : 1;  // data sets the grid is evaluated on
  const std::string grid_flag = lo.y ? "y" : "x";
  check_memory(sets * total * kBytesPerGridPoint, grid_flag,
               "(a grid of " + std::to_string(total) + " points)", "fewer points on {x} or {y}");
  check_disk(sets * total * kProgressBytesPerGridPoint, run.output.out, grid_flag,
             "(a grid of " + std::to_string(total) + " points)", "fewer points on {x} or {y}");
  const std::string& out = run.output.out;
  // Held for the whole run: the progress file is checked, reused and written by this process only.
  const FileLock lock(out);
  // The exports are written after the grid: a target that would be refused then is refused now.
  const LandscapeExports& x = run.exports;
  if (!x.vtk.empty()) check_output(x.vtk, OutputKind::text());
  if (!x.surface.empty()) {
    check_output(x.surface, OutputKind::hdf5_file(""));
    if (run.axes.kind != DirectionKind::File)
      check_output(stem_of(x.surface) + ".dirs.h5", OutputKind::hdf5_file(""));
    if (run.axes.kind == DirectionKind::Pca)
      check_output(stem_of(x.surface) + ".proj.h5", OutputKind::hdf5_file(""));
  }

  // What rank 0 finds in the files decides for every rank of a distributed run: a complete
  // landscape, progress with axes (a damaged progress file set aside first).
  if (dist::rank() == 0) {
    const std::string damage = ResultFile::check_progress(out);
    if (!damage.empty()) observer.warn(damage);
  }
  // Both files may be hostile: each is read once, in a child process (ResultReader::isolated).
  std::optional<ResultReader> old;
  if (dist::rank() == 0 && exists(out)) old.emplace(ResultReader::isolated(out));
  std::vector<int64_t> found{old && old->has_group(kGroup), 0};
  std::optional<ResultReader> progress;
  if (dist::rank() == 0 && !found[0] && exists(progress_path_of(out))) {
    progress.emplace(ResultReader::isolated(progress_path_of(out)));
    if (progress->has_group(kGroup)) {
      const ResultGroupView g = progress->group(kGroup);
      found[1] = g.has_dataset("xdirection") && (!lo.y || g.has_dataset("ydirection"));
    }
  }
  dist::broadcast(found);
  if (found[0] && dist::rank() != 0) return Record();

  // A complete landscape already in the result file: the same one is kept as it is, another is
  // refused.
  if (found[0]) {
    const ResultGroupView g = old->group(kGroup);
    refuse_other(g.h5(), settings, out + ": /" + kGroup, "landscape");
    const Exported e = export_files(g, run, ws->model().graph);
    Record rec;
    rec.add("complete", true).only(kJson);
    rec.add("evaluated_points", int64_t{0}).only(kJson);
    rec.add("resumed_points", total).only(kJson);
    describe_run(rec, *ws, run.output, 0, clock.seconds());
    describe_exports(rec, e);
    rec.footer = out + ": the landscape is complete (" + std::to_string(total) +
                 " points); 0 points evaluated";
    return rec;
  }

  // Progress of the same landscape: its axes are reused. The axes of a new one are computed before
  // the progress file is touched, so a failure there leaves nothing behind.
  if (progress && progress->has_group(kGroup)) {
    const ResultGroupView g = progress->group(kGroup);
    refuse_other(g.h5(), settings, progress_path_of(out) + ": /" + kGroup, "landscape");
  }
  std::optional<Axes> axes;
  if (!found[1]) axes = make_axes(run.axes, lo.y.has_value(), *ws);

  ResultFile rf(out, &lock);
  ResultGroup& g = rf.resumable_group(kGroup);
  if (!rf.progress_note().empty()) observer.warn(rf.progress_note());
  if (g.resumed())
    refuse_other(g.h5(), settings, progress_path_of(out) + ": /" + kGroup, "landscape");
  settings.write(g.h5());
  if (axes) store_axes(g, *axes);
  g.attr("dirs", std::string(name_of(run.axes.kind)));
  g.attr("norm", std::string(name_of(run.axes.norm)));
  g.attr("include_1d", int64_t{run.axes.include_1d});
  g.attr("x", axis_spec(lo.x));
  g.attr("y", lo.y ? axis_spec(*lo.y) : std::string());
  g.write("xcoordinates", lo.x.coordinates());
  if (lo.y) g.write("ycoordinates", lo.y->coordinates());
  const Shape shape = lo.y ? Shape{lo.y->n, lo.x.n} : Shape{lo.x.n};
  ProgressArray loss = g.progress("train_loss", shape, kNotComputed);
  ProgressArray acc = g.progress("train_acc", shape, kNotComputed);
  std::optional<ProgressArray> test_loss, test_acc;
  if (test) {
    test_loss.emplace(g.progress("test_loss", shape, kNotComputed));
    test_acc.emplace(g.progress("test_acc", shape, kNotComputed));
  }
  loss.flush();

  LandscapeDirections dirs;
  if (dist::rank() == 0 || axes) {  // other ranks of a resumed run get rank 0's below
    dirs.x = g.h5().dataset("xdirection").read<double>();
    if (lo.y) dirs.y = g.h5().dataset("ydirection").read<double>();
  }
  // Rank 0's directions (the file it reads) for every rank.
  dist::broadcast(dirs.x);
  if (lo.y) dist::broadcast(dirs.y);
  const Surface before = resumed_surface(lo, loss, acc);
  const Surface test_before = test ? resumed_surface(lo, *test_loss, *test_acc) : Surface{};

  int64_t points_done = before.count_computed() + (test ? test_before.count_computed() : 0);
  int64_t threads = 0;
  Stopwatch since_flush;
  // The grid on one data set: only the points `resume` lacks, each stored in `l` and `a`.
  auto evaluate = [&](const Workspace& on, const Surface& resume, ProgressArray& l,
                      ProgressArray& a, const std::string& what) {
    auto workers = on.point_objectives();
    std::vector<Objective*> pointers;
    for (auto& w : workers) pointers.push_back(w.get());
    threads = static_cast<int64_t>(pointers.size());
    LandscapeHooks hooks;
    hooks.resume = &resume;
    hooks.cancel = observer.cancel();
    hooks.on_point = [&](const LandscapePoint& p) {
      a.set(p.index, p.value.accuracy * kPercent);
      l.set(p.index, p.value.loss);
      observer.progress(++points_done, sets * total,
                        "points, " + what + " " + significant(p.value.loss, 4));
      if (since_flush.seconds() >= kFlushSeconds) {
        l.flush();
        since_flush = Stopwatch();
      }
    };
    return dist::distributed()
               ? run_on_ranks(lo, dirs, pointers, resume, hooks.on_point, hooks.cancel)
               : hess::run(lo, dirs, pointers, hooks);
  };
  const LandscapeResult r = evaluate(*ws, before, loss, acc, "loss");
  std::optional<LandscapeResult> t;
  if (test && !r.cancelled) t = evaluate(*test, test_before, *test_loss, *test_acc, "test loss");
  if (dist::rank() != 0) return Record();  // rank 0 writes and reports
  observer.finished();
  loss.flush();
  const int64_t done = r.surface.count_computed();
  const int64_t test_done = t      ? t->surface.count_computed()
                            : test ? test_before.count_computed()
                                   : 0;
  const bool complete = done == total && (!test || test_done == total);
  g.attr("evaluated_points", r.evaluated);
  g.attr("resumed_points", r.resumed);
  g.attr("non_finite_points", r.non_finite);
  g.attr("passes", r.passes + (t ? t->passes : 0));
  g.attr("status", std::string(name_of(r.status)));
  if (test) {
    g.attr("test_data", run.test.data);
    g.attr("test_samples", test->objective().num_samples());
    g.attr("test_evaluated_points", t ? t->evaluated : 0);
    g.attr("test_resumed_points", test_before.count_computed());
    g.attr("test_non_finite_points", t ? t->non_finite : 0);
  }
  loss.flush();
  const Exported e = export_files(ResultGroupView(g.h5().reopen()), run, ws->model().graph);
  if (!complete) {
    const bool stopped = observer.cancel() && observer.cancel()->load();
    const std::string test_text = test ? ", " + std::to_string(test_done) + " of " +
                                             std::to_string(total) + " on the test set"
                                       : "";
    throw std::runtime_error((stopped ? "interrupted by " + observer.stop_reason() : "stopped") +
                             " after " + std::to_string(r.evaluated + (t ? t->evaluated : 0)) +
                             " new points (" + std::to_string(done) + " of " +
                             std::to_string(total) + " done" + test_text + ", kept in " +
                             progress_path_of(out) + "); run the same landscape again to resume");
  }
  const double seconds = clock.seconds();
  rf.commit(ws->metadata(run.output.command_line, 0, seconds));

  const Surface& s = r.surface;
  const auto [lo_loss, hi_loss] = loss_range(s);
  if (axes && !axes->warning.empty()) observer.warn(axes->warning);
  if (r.status != Status::Ok) observer.warn(r.message);
  if (t && t->status != Status::Ok) observer.warn("test set: " + t->message);
  Record rec;
  rec.add("dirs", name_of(run.axes.kind)).only(kJson);
  rec.add("norm", name_of(run.axes.norm)).only(kJson);
  rec.add("x", axis_spec(s.x)).only(kJson);
  rec.add("nx", s.nx()).only(kJson);
  rec.add("ny", s.ny()).only(kJson);
  if (s.y) rec.add("y", axis_spec(*s.y)).only(kJson);
  rec.add("evaluated_points", r.evaluated).only(kJson);
  rec.add("resumed_points", r.resumed).only(kJson);
  rec.add("non_finite_points", r.non_finite).only(kJson);
  rec.add("min_loss", lo_loss).only(kJson);
  rec.add("max_loss", hi_loss).only(kJson);
  rec.add("passes", r.passes + (t ? t->passes : 0)).only(kJson);
  const auto [lo_test, hi_test] = t ? loss_range(t->surface) : std::pair<double, double>{};
  double best_acc = 0.0;
  if (t) {
    for (double v : t->surface.accuracy) best_acc = std::max(best_acc, v);
    rec.add("test_data", run.test.data).only(kJson);
    rec.add("test_samples", test->objective().num_samples()).only(kJson);
    rec.add("test_evaluated_points", t->evaluated).only(kJson);
    rec.add("test_resumed_points", t->resumed).only(kJson);
    rec.add("test_non_finite_points", t->non_finite).only(kJson);
    rec.add("min_test_loss", lo_test).only(kJson);
    rec.add("max_test_loss", hi_test).only(kJson);
    rec.add("max_test_accuracy", best_acc).only(kJson);
  }
  describe_status(rec, r.status, r.message);
  rec.add("complete", true).only(kJson);
  describe_run(rec, *ws, run.output, 0, seconds);
  rec.add("threads", threads).only(kJson);
  rec.add("grid_text", std::to_string(s.nx()) + " x " + std::to_string(s.ny()) + " (" +
                           std::string(name_of(run.axes.kind)) + ", " +
                           std::string(name_of(run.axes.norm)) + "), " +
                           std::to_string(r.evaluated) + " points evaluated, " +
                           std::to_string(r.resumed) + " resumed")
      .only(0)
      .head("grid");
  rec.add("loss_text", significant(lo_loss) + " .. " + significant(hi_loss)).only(0).head("loss");
  if (t) {
    rec.add("test_text", run.test.data + ": loss " + significant(lo_test) + " .. " +
                             significant(hi_test) + ", accuracy up to " +
                             significant(best_acc * kPercent, 4) + " %")
        .only(0)
        .head("test");
  }
  describe_exports(rec, e);
  rec.footer = std::to_string(r.passes + (t ? t->passes : 0)) + " passes, " +
               significant(seconds, 3) + " s on " + std::to_string(threads) + " threads; result " +
               out + ":/" + kGroup;
  return rec;
}

}  // namespace hess::runs
