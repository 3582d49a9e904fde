// Tests of `hessian landscape` (tools/cmd_landscape.cpp), running the built binary on the bundled
// sample (data/digits-mlp.h5, data/digits.h5): a 41 x 31 surface is laid out (ny, nx) with
// train_loss[j, i] = L(x_i, y_j) against direct evaluation through the library, its centre is the
// model's loss as `hessian info` reports it; a run stopped by SIGTERM and rerun equals an
// uninterrupted run and evaluates only the missing points; interpolation end points are both
// models' losses; the PCA plane of a `hessian train` run and its projected path; direction files
// read back; bad input refused with the right exit code and nothing overwritten; a test set
// (--test-data) on the same grid equals `hessian info` on it at displaced models, resumes with the
// grid and is part of what identifies the landscape; a landscape resumes on other files of the same
// model and data values (content digests), not on other values.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "engine/arch.h"
#include "engine/objective.h"
#include "io/data_file.h"
#include "io/hdf5_file.h"
#include "io/landscape_files.h"
#include "io/model_file.h"
#include "support/fd_check.h"
#include "support/grid_progress.h"
#include "support/run_cli.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {

const std::string kModel = std::string(HESS_SOURCE_DIR) + "/data/digits-mlp.h5";
const std::string kData = std::string(HESS_SOURCE_DIR) + "/data/digits.h5";
// Relative difference of two evaluations of the same θ by different objectives.
constexpr double kSameLoss = 1e-12;
// θ + 1·(θ₂ − θ) is θ₂ up to rounding of each parameter.
constexpr double kEndpointLoss = 1e-9;
constexpr double kPercent = 100.0;

// A dataset of the root ("train_loss") or of a group ("landscape/train_loss").
std::vector<double> read(const std::string& file, const std::string& name) {
  const h5::File f = h5::File::open_read(file);
  const size_t slash = name.find('/');
  if (slash == std::string::npos) return f.dataset(name).read<double>();
  return f.group(name.substr(0, slash)).dataset(name.substr(slash + 1)).read<double>();
}

bool one_error_line(const CliRun& r) {
  return r.err.rfind("hessian: error: ", 0) == 0 && r.err.find('\n') == r.err.size() - 1;
}

// Loss and accuracy of `model` on the sample, as `hessian info` reports them.
std::pair<double, double> info_loss(const std::string& model, const std::string& dir) {
  const CliRun r =
      run_hessian({"info", "--model", model, "--data", kData, "--precision", "f64", "--json"}, dir);
  REQUIRE(r.code == 0);
  return {json_field(r.out, "loss"), json_field(r.out, "accuracy")};
}

// L(θ + x d_x + y d_y) over the whole sample, evaluated directly through the library.
double direct_loss(const Model& m, const Dataset& data, const std::vector<std::vector<double>>& d,
                   double x, double y) {
  std::vector<double> t = m.theta;
  for (size_t p = 0; p < t.size(); ++p) {
    t[p] += x * d[0][p];
    if (d.size() > 1) t[p] += y * d[1][p];
  }
  ObjectiveOptions o;
  o.threads = 1;
  auto obj = make_objective(m.graph, data, all_rows(data.size()), o, Precision::F64);
  obj->set_parameters(t);
  return obj->value().loss;
}

// The 41 x 31 landscape of the sample (random filter-normalized axes of --seed).
std::vector<std::string> grid_args(const std::string& out, const std::string& threads,
                                   const std::string& seed = "3") {
  // Float64 passes: the grid is held to the library's losses at 1e-12.
  return {"landscape", "--model",   kModel,          "--data",      kData, "--x",
          "-1:1:41",   "--y",       "-0.75:0.75:31", "--seed",      seed,  "--out",
          out,         "--threads", threads,         "--precision", "f64", "--json"};
}

}  // namespace

TEST_CASE("a 41 x 31 grid on the sample is (ny, nx), train_loss[j, i] = L(x_i, y_j), centre = L") {
  ScratchDir dir;
  std::vector<std::string> args = grid_args(dir.file("r.h5"), "2");
  args.insert(args.end(), {"--surface", dir.file("s.h5")});
  const CliRun r = run_hessian(args, dir.path());
  CAPTURE(r.err);
  REQUIRE(r.code == 0);
  CHECK(json_field(r.out, "evaluated_points") == 41 * 31);

  const h5::File s = h5::File::open_read(dir.file("s.h5"));
  CHECK(s.dataset("train_loss").shape() == Shape{31, 41});
  CHECK(s.dataset("train_acc").shape() == Shape{31, 41});
  const std::vector<double> xs = s.dataset("xcoordinates").read<double>();
  const std::vector<double> ys = s.dataset("ycoordinates").read<double>();
  REQUIRE(xs.size() == 41);
  REQUIRE(ys.size() == 31);
  CHECK(xs[20] == 0.0);
  CHECK(ys[15] == 0.0);
  const std::vector<double> loss = s.dataset("train_loss").read<double>();
  const std::vector<double> acc = s.dataset("train_acc").read<double>();
  CHECK(count_computed(loss) == 41 * 31);
  // The result group holds the same surface.
  CHECK(read(dir.file("r.h5"), "landscape/train_loss") == loss);

  const Model m = read_model(kModel);
  const Dataset data = read_data_file(kData).data;
  const auto d = read_direction_file(dir.file("s.dirs.h5"), m.graph, 2);
  for (auto [i, j] : {std::pair{0, 0}, {40, 30}, {7, 22}, {33, 4}, {20, 15}}) {
    CAPTURE(i);
    CAPTURE(j);
    const double want = direct_loss(m, data, d, xs[i], ys[j]);
    CHECK(std::abs(loss[j * 41 + i] - want) <= kSameLoss * want);
  }
  // A transposed layout would put L(x_7, y_22) at [7, 22]: the grid is far from symmetric there.
  CHECK(std::abs(loss[22 * 41 + 7] - loss[7 * 41 + 22]) > 1e-6);
  const auto [l0, a0] = info_loss(kModel, dir.path());
  CHECK(std::abs(loss[15 * 41 + 20] - l0) <= kSameLoss * l0);
  CHECK(std::abs(acc[15 * 41 + 20] - kPercent * a0) <= 1e-9);
}

TEST_CASE("SIGTERM in a 2-D run, then the same command: only missing points, equal result") {
  ScratchDir dir;
  const std::string ref = dir.file("ref.h5"), out = dir.file("r.h5");
  const CliRun full = run_hessian(grid_args(ref, "2"), dir.path());
  REQUIRE(full.code == 0);
  const int total = 41 * 31;

  std::vector<std::string> first = grid_args(out, "1");
  first.insert(first.end(), {"--surface", dir.file("s.h5")});
  const pid_t pid = start_hessian(first, dir.path());
  const std::string progress = out + ".progress.partial";
  const CliRun stopped = stop_when_progressing(pid, progress, dir.path());
  CHECK(stopped.code == 1);
  CHECK(one_error_line(stopped));
  CHECK(stopped.err.find("interrupted by SIGTERM") != std::string::npos);
  CHECK_FALSE(file_exists(out));
  const int done = count_computed(read(progress, "landscape/train_loss"));
  CHECK(done > 0);
  REQUIRE(done < total);
  // The surface file of the interrupted run: what is done, −1 elsewhere.
  const std::vector<double> partial = read(dir.file("s.h5"), "train_loss");
  CHECK(partial == read(progress, "landscape/train_loss"));
  CHECK(count_computed(partial) == done);

  // Another landscape (another seed) is refused; the progress is kept as it was.
  const std::string before = read_bytes(progress);
  const CliRun refused = run_hessian(grid_args(out, "2", "4"), dir.path());
  CHECK(refused.code == 1);
  CHECK(one_error_line(refused));
  CHECK(refused.err.find("seed") != std::string::npos);
  CHECK(read_bytes(progress) == before);

  const CliRun rerun = run_hessian(grid_args(out, "2"), dir.path());
  CAPTURE(rerun.err);
  REQUIRE(rerun.code == 0);
  CHECK(json_field(rerun.out, "evaluated_points") == total - done);
  CHECK(json_field(rerun.out, "resumed_points") == done);
  CHECK_FALSE(file_exists(progress));
  CHECK(read(out, "landscape/train_loss") == read(ref, "landscape/train_loss"));
  CHECK(read(out, "landscape/train_acc") == read(ref, "landscape/train_acc"));

  // The same command once more: nothing left to evaluate, the result untouched.
  const std::string result = read_bytes(out);
  const CliRun again = run_hessian(grid_args(out, "2"), dir.path());
  CHECK(again.code == 0);
  CHECK(json_field(again.out, "evaluated_points") == 0);
  CHECK(read_bytes(out) == result);
}

TEST_CASE("interp ends at both models' losses; PCA plane of a training run; direction files") {
  ScratchDir dir;
  const CliRun train =
      run_hessian({"train", "--data", kData, "--model", kModel, "--optimizer", "sgd", "--lr", "0.2",
                   "--steps", "20", "--checkpoint-every", "5", "--out", dir.file("run"), "--quiet"},
                  dir.path());
  CAPTURE(train.err);
  REQUIRE(train.code == 0);
  const std::string last = dir.file("run/checkpoints/step-000000020.h5");
  REQUIRE(file_exists(last));

  const CliRun interp = run_hessian(
      {"landscape", "--model", kModel, "--data", kData, "--precision", "f64", "--dirs", "interp",
       "--to", last, "--x", "-0.5:1.5:5", "--out", dir.file("i.h5"), "--json"},
      dir.path());
  CAPTURE(interp.err);
  REQUIRE(interp.code == 0);
  const std::vector<double> line = read(dir.file("i.h5"), "landscape/train_loss");
  REQUIRE(line.size() == 5);
  const double l1 = info_loss(kModel, dir.path()).first, l2 = info_loss(last, dir.path()).first;
  CHECK(std::abs(line[1] - l1) <= kSameLoss * l1);
  CHECK(std::abs(line[3] - l2) <= kEndpointLoss * l2);
  CHECK(std::abs(l2 - l1) > 1e-6);

  // The run's folder: the optimizer states beside the checkpoints are skipped.
  const std::string folder = dir.file("run/checkpoints");
  const CliRun pca = run_hessian({"landscape",
                                  "--model",
                                  last,
                                  "--data",
                                  kData,
                                  "--precision",
                                  "f64",
                                  "--dirs",
                                  "pca",
                                  "--checkpoints",
                                  folder,
                                  "--x",
                                  "-1:1:5",
                                  "--y",
                                  "-1:1:3",
                                  "--out",
                                  dir.file("p.h5"),
                                  "--surface",
                                  dir.file("ps.h5"),
                                  "--json"},
                                 dir.path());
  CAPTURE(pca.err);
  REQUIRE(pca.code == 0);
  const Model final_model = read_model(last);
  const auto uv = read_direction_file(dir.file("ps.dirs.h5"), final_model.graph, 2);
  const std::vector<double> px = read(dir.file("ps.proj.h5"), "proj_xcoord");
  const std::vector<double> py = read(dir.file("ps.proj.h5"), "proj_ycoord");
  REQUIRE(px.size() == 5);
  double uu = 0, vv = 0, uvd = 0;
  for (size_t p = 0; p < uv[0].size(); ++p) {
    uu += uv[0][p] * uv[0][p];
    vv += uv[1][p] * uv[1][p];
    uvd += uv[0][p] * uv[1][p];
  }
  CHECK(uu == doctest::Approx(1.0).epsilon(1e-12));
  CHECK(vv == doctest::Approx(1.0).epsilon(1e-12));
  CHECK(std::abs(uvd) < 1e-12);
  // Each checkpoint's coordinates are its displacement from the final model along the axes.
  for (int t = 0; t < 5; ++t) {
    char name[64];
    std::snprintf(name, sizeof name, "run/checkpoints/step-%09d.h5", 5 * t);
    const Model c = read_model(dir.file(name));
    double x = 0, y = 0;
    for (size_t p = 0; p < c.theta.size(); ++p) {
      x += (c.theta[p] - final_model.theta[p]) * uv[0][p];
      y += (c.theta[p] - final_model.theta[p]) * uv[1][p];
    }
    CAPTURE(t);
    CHECK(px[t] == doctest::Approx(x).epsilon(1e-9));
    CHECK(py[t] == doctest::Approx(y).epsilon(1e-9));
  }
  CHECK(px[4] == 0.0);
  CHECK(py[4] == 0.0);
  const std::vector<double> ratio = read(dir.file("ps.dirs.h5"), "explained_variance_ratio_");
  CHECK(ratio[0] >= ratio[1]);
  CHECK(ratio[0] + ratio[1] <= 1.0 + 1e-12);
  const std::vector<double> plane = read(dir.file("ps.h5"), "train_loss");
  CHECK(std::abs(plane[1 * 5 + 2] - l2) <= kSameLoss * l2);

  // The direction file read back as axes gives the same surface.
  const CliRun file = run_hessian({"landscape", "--model", last, "--data", kData, "--precision",
                                   "f64", "--dirs", "file", "--dir-file", dir.file("ps.dirs.h5"),
                                   "--x", "-1:1:5", "--y", "-1:1:3", "--out", dir.file("f.h5")},
                                  dir.path());
  CAPTURE(file.err);
  REQUIRE(file.code == 0);
  CHECK(read(dir.file("f.h5"), "landscape/train_loss") == plane);

  // Checkpoints on a line around the model span one dimension: no PCA plane (exit 1).
  std::filesystem::create_directories(dir.file("line"));
  for (int k = 1; k <= 3; ++k) {
    Model shifted = final_model;
    for (size_t p = 0; p < shifted.theta.size(); ++p) shifted.theta[p] += 0.01 * k * uv[0][p];
    write_model(dir.file("line/step-" + std::to_string(k) + ".h5"), shifted);
  }
  const CliRun collinear = run_hessian(
      {"landscape", "--model", last, "--data", kData, "--dirs", "pca", "--checkpoints",
       dir.file("line/*.h5"), "--x", "-1:1:3", "--y", "-1:1:3", "--out", dir.file("line.h5")},
      dir.path());
  CHECK(collinear.code == 1);
  CHECK(one_error_line(collinear));
  CHECK(collinear.err.find("span 1 dimension") != std::string::npos);

  // Fewer than 3 checkpoints: a usage error.
  const CliRun two = run_hessian(
      {"landscape", "--model", last, "--data", kData, "--dirs", "pca", "--checkpoints",
       dir.file("run/checkpoints/step-00000001?.h5"), "--x", "-1:1:3", "--out", dir.file("two.h5")},
      dir.path());
  CHECK(two.code == 2);
  CHECK(one_error_line(two));
  CHECK(two.err.find("at least 3") != std::string::npos);
  CHECK_FALSE(file_exists(dir.file("two.h5")));
}

TEST_CASE("eigenvector axes: unit Hessian eigenvectors, the centre is the model's loss") {
  ScratchDir dir;
  const CliRun r = run_hessian(
      {"landscape", "--model", kModel, "--data", kData, "--samples", "300", "--dirs", "eigen",
       "--x", "-0.2:0.2:3", "--y", "-0.2:0.2:3", "--out", dir.file("e.h5"), "--json"},
      dir.path());
  CAPTURE(r.err);
  REQUIRE(r.code == 0);
  const std::vector<double> ev = read(dir.file("e.h5"), "landscape/eigenvalues");
  REQUIRE(ev.size() == 2);
  CHECK(ev[0] >= ev[1]);
  const std::vector<double> u = read(dir.file("e.h5"), "landscape/xdirection");
  double n = 0;
  for (double e : u) n += e * e;
  CHECK(n == doctest::Approx(1.0).epsilon(1e-10));
  // Along the top eigenvector the loss curves upward by about λ t²/2 on both sides.
  const std::vector<double> loss = read(dir.file("e.h5"), "landscape/train_loss");
  CHECK(loss[3] > loss[4]);
  CHECK(loss[5] > loss[4]);
}

TEST_CASE("bad input: grid specs, flags of other kinds, other graphs, another model's result") {
  ScratchDir dir;
  const std::vector<std::string> base = {"landscape", "--model", kModel,          "--data",
                                         kData,       "--out",   dir.file("r.h5")};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = base;
    a.insert(a.end(), extra.begin(), extra.end());
    return run_hessian(a, dir.path());
  };
  for (const auto& extra : std::vector<std::vector<std::string>>{
           {"--x", "-1:1:1"},
           {"--x", "1:1:5"},
           {"--x", "2:1:5"},
           {"--x", "-1:1:5", "--y", "0:-1:5"},
           {"--x", "-1:1:5", "--y", "-1:1:0"},
           {"--x", "-1:1"},
           {"--dirs", "interp"},
           {"--dirs", "random", "--to", kModel},
           {"--dirs", "pca"},
           {"--dirs", "file"},
           {"--dirs", "sideways"},
       }) {
    const CliRun r = with(extra);
    CAPTURE(extra[0] + " " + extra[1]);
    CHECK(r.code == 2);
    CHECK(one_error_line(r));
  }
  CHECK_FALSE(file_exists(dir.file("r.h5")));

  // A second model of another graph for interp, directions of another model: exit 1.
  ArchOptions ao;
  write_model(dir.file("other.h5"), build_arch("mlp:64-16-10:tanh", ao));
  const CliRun graph = with({"--dirs", "interp", "--to", dir.file("other.h5"), "--x", "0:1:3"});
  CHECK(graph.code == 1);
  CHECK(one_error_line(graph));
  CHECK(graph.err.find("same model structure") != std::string::npos);
  const Model other = read_model(dir.file("other.h5"));
  write_direction_file(dir.file("od.h5"), other.graph,
                       {std::vector<double>(other.graph.num_params(), 0.1)});
  const CliRun dirs = with({"--dirs", "file", "--dir-file", dir.file("od.h5"), "--x", "0:1:3"});
  CHECK(dirs.code == 1);
  CHECK(dirs.err.find("od.h5") != std::string::npos);
  CHECK_FALSE(file_exists(dir.file("r.h5")));
  CHECK_FALSE(file_exists(dir.file("r.h5.progress.partial")));

  // A complete landscape of one model in --out: another model's is refused, nothing overwritten.
  REQUIRE(with({"--x", "-1:1:3", "--samples", "100"}).code == 0);
  const std::string before = read_bytes(dir.file("r.h5"));
  std::vector<std::string> a = base;
  a[2] = dir.file("other2.h5");
  write_model(a[2], read_model(kModel));
  {
    Model shifted = read_model(kModel);
    shifted.theta[0] += 0.5;
    write_model(a[2], shifted);
  }
  a.insert(a.end(), {"--x", "-1:1:3", "--samples", "100"});
  const CliRun refused = run_hessian(a, dir.path());
  CHECK(refused.code == 1);
  CHECK(one_error_line(refused));
  CHECK(refused.err.find("model_values_sha256") != std::string::npos);
  CHECK(read_bytes(dir.file("r.h5")) == before);
  CHECK_FALSE(file_exists(dir.file("r.h5.progress.partial")));
}

namespace {

// Rows [first, first + n) of the sample as a data set of their own.
Dataset rows_of(const Dataset& d, int64_t first, int64_t n) {
  const int64_t per = numel(d.sample_shape);
  Dataset out;
  out.sample_shape = d.sample_shape;
  out.x.assign(d.x.begin() + first * per, d.x.begin() + (first + n) * per);
  out.labels.assign(d.labels.begin() + first, d.labels.begin() + first + n);
  return out;
}

// θ + x d_x + y d_y written as a model file of its own.
std::string displaced(const std::string& path, const std::vector<std::vector<double>>& d, double x,
                      double y) {
  Model m = read_model(kModel);
  for (size_t p = 0; p < m.theta.size(); ++p) m.theta[p] += x * d[0][p] + y * d[1][p];
  write_model(path, m);
  return path;
}

std::vector<std::string> test_grid_args(const std::string& out, const std::string& test,
                                        const std::string& threads) {
  return {"landscape", "--model",   kModel,  "--data",      kData,    "--samples", "600",
          "--x",       "-1:1:9",    "--y",   "-0.5:0.5:7",  "--seed", "5",         "--out",
          out,         "--threads", threads, "--test-data", test,     "--json"};
}

}  // namespace

TEST_CASE("--test-data: test_loss and test_acc on the grid are `hessian info` on the test file") {
  ScratchDir dir;
  const Dataset all = read_data_file(kData).data;
  const std::string test = dir.file("test.h5");
  write_data(test, rows_of(all, 1200, 500), {"rows 1200.. of the sample", "none"});
  std::vector<std::string> args = test_grid_args(dir.file("r.h5"), test, "2");
  args.insert(args.end(), {"--surface", dir.file("s.h5")});
  const CliRun r = run_hessian(args, dir.path());
  CAPTURE(r.err);
  REQUIRE(r.code == 0);
  CHECK(json_field(r.out, "test_samples") == 500);
  CHECK(json_field(r.out, "test_evaluated_points") == 9 * 7);

  const h5::File s = h5::File::open_read(dir.file("s.h5"));
  CHECK(s.dataset("test_loss").shape() == Shape{7, 9});
  CHECK(s.dataset("test_acc").shape() == Shape{7, 9});
  const std::vector<double> xs = s.dataset("xcoordinates").read<double>();
  const std::vector<double> ys = s.dataset("ycoordinates").read<double>();
  const std::vector<double> loss = s.dataset("test_loss").read<double>();
  const std::vector<double> acc = s.dataset("test_acc").read<double>();
  // The result group holds the same arrays (accuracy in percent, as train_acc).
  CHECK(read(dir.file("r.h5"), "landscape/test_loss") == loss);
  CHECK(read(dir.file("r.h5"), "landscape/test_acc") == acc);
  // The training arrays are those of the analysis set, not of the test file.
  CHECK(s.dataset("train_loss").read<double>() != loss);
  CHECK(json_field(r.out, "min_test_loss") == *std::min_element(loss.begin(), loss.end()));

  const Model m = read_model(kModel);
  const auto d = read_direction_file(dir.file("s.dirs.h5"), m.graph, 2);
  for (auto [i, j] : {std::pair{4, 3}, {0, 6}, {7, 1}}) {
    CAPTURE(i);
    CAPTURE(j);
    const std::string model = displaced(dir.file("p.h5"), d, xs[i], ys[j]);
    const CliRun info =
        run_hessian({"info", "--model", model, "--data", test, "--json"}, dir.path());
    REQUIRE(info.code == 0);
    const double want = json_field(info.out, "loss");
    CHECK(std::abs(loss[j * 9 + i] - want) <= kSameLoss * want);
    CHECK(std::abs(acc[j * 9 + i] - kPercent * json_field(info.out, "accuracy")) <= 1e-9);
  }
  // The centre is the model itself.
  CHECK(xs[4] == 0.0);
  CHECK(ys[3] == 0.0);

  // --test-samples: a seeded subset, the one `info --samples` draws with the same seed. One
  // thread for both: 150 samples are one batch, which `info` on several cores evaluates with
  // OpenBLAS on all of them, and some of OpenBLAS's kernels (Haswell's, picked on AMD EPYC) round
  // a float32 product differently when it is split among threads (5e-7 relative here), while the
  // grid's points run one per core with OpenBLAS on one thread.
  std::vector<std::string> sub_args = {
      "landscape", "--model", kModel,   "--data", kData,   "--samples",        "300",
      "--x",       "-1:1:3",  "--seed", "5",      "--out", dir.file("sub.h5"), "--test-data",
      test,        "--json"};
  sub_args.insert(sub_args.end(), {"--test-samples", "150", "--threads", "1"});
  const CliRun sub = run_hessian(sub_args, dir.path());
  REQUIRE(sub.code == 0);
  const CliRun info = run_hessian({"info", "--model", kModel, "--data", test, "--samples", "150",
                                   "--seed", "5", "--threads", "1", "--json"},
                                  dir.path());
  REQUIRE(info.code == 0);
  const double centre = read(dir.file("sub.h5"), "landscape/test_loss")[1];
  CHECK(std::abs(centre - json_field(info.out, "loss")) <= kSameLoss * centre);
}

TEST_CASE("--test-data resumes with the grid; with another test set or none it is refused") {
  ScratchDir dir;
  const Dataset all = read_data_file(kData).data;
  const std::string test = dir.file("test.h5"), other = dir.file("other.h5");
  write_data(test, rows_of(all, 1200, 500), {"rows 1200..", "none"});
  write_data(other, rows_of(all, 1000, 500), {"rows 1000..", "none"});
  // The 41 x 31 grid of the sample, and the test set on it.
  auto with_test = [&](const std::string& out, const std::string& threads,
                       const std::string& test_file) {
    std::vector<std::string> a = grid_args(out, threads);
    if (!test_file.empty()) a.insert(a.end(), {"--test-data", test_file});
    return a;
  };
  const std::string ref = dir.file("ref.h5"), out = dir.file("r.h5");
  REQUIRE(run_hessian(with_test(ref, "2", test), dir.path()).code == 0);
  const int total = 41 * 31;

  const pid_t pid = start_hessian(with_test(out, "1", test), dir.path());
  const std::string progress = out + ".progress.partial";
  const CliRun stopped = stop_when_progressing(pid, progress, dir.path());
  CHECK(stopped.code == 1);
  CHECK(one_error_line(stopped));
  const int done = count_computed(read(progress, "landscape/train_loss"));
  const int test_done = count_computed(read(progress, "landscape/test_loss"));
  CHECK(done > 0);
  REQUIRE(done + test_done < 2 * total);
  CHECK((test_done == 0 || done == total));  // the test set's grid follows the training one's

  // Without the test set, or with another, it is another landscape: refused, progress kept.
  const std::string before = read_bytes(progress);
  const CliRun without = run_hessian(with_test(out, "2", ""), dir.path());
  CHECK(without.code == 1);
  CHECK(one_error_line(without));
  CHECK(without.err.find("test_data_values_sha256") != std::string::npos);
  const CliRun another = run_hessian(with_test(out, "2", other), dir.path());
  CHECK(another.code == 1);
  CHECK(another.err.find("test_data_values_sha256") != std::string::npos);
  CHECK(read_bytes(progress) == before);

  const CliRun rerun = run_hessian(with_test(out, "2", test), dir.path());
  CAPTURE(rerun.err);
  REQUIRE(rerun.code == 0);
  CHECK(json_field(rerun.out, "evaluated_points") == total - done);
  CHECK(json_field(rerun.out, "test_evaluated_points") == total - test_done);
  CHECK(json_field(rerun.out, "test_resumed_points") == test_done);
  for (const char* a : {"train_loss", "train_acc", "test_loss", "test_acc"})
    CHECK(read(out, std::string("landscape/") + a) == read(ref, std::string("landscape/") + a));

  // A complete landscape with a test set: a rerun without it is refused too.
  const CliRun complete_without = run_hessian(with_test(ref, "2", ""), dir.path());
  CHECK(complete_without.code == 1);
  CHECK(complete_without.err.find("test_data_values_sha256") != std::string::npos);
}

TEST_CASE("--test-data: a missing file, other shapes or labels are usage errors; nothing written") {
  ScratchDir dir;
  const Dataset all = read_data_file(kData).data;
  Dataset flat = rows_of(all, 0, 50);
  flat.sample_shape = {static_cast<int64_t>(numel(flat.sample_shape))};
  write_data(dir.file("flat.h5"), flat, {"flat", "none"});
  Dataset few = rows_of(all, 0, 200), regression = rows_of(all, 0, 50);
  for (int64_t& l : few.labels) l %= 5;  // --data with classes 0..4 only
  write_data(dir.file("few.h5"), few, {"five classes", "none"});
  regression.labels.clear();
  regression.target_dim = 1;
  regression.targets.assign(50, 0.5f);
  write_data(dir.file("reg.h5"), regression, {"targets", "none"});
  const std::string out = dir.file("r.h5"), surface = dir.file("s.h5");
  auto refused = [&](const std::string& data, const std::string& test,
                     std::vector<std::string> extra = {}) {
    std::vector<std::string> a = {"landscape", "--model",     kModel,  "--data", data,
                                  "--x",       "-1:1:3",      "--out", out,      "--surface",
                                  surface,     "--test-data", test};
    a.insert(a.end(), extra.begin(), extra.end());
    const CliRun r = run_hessian(a, dir.path());
    CAPTURE(r.err);
    CHECK(r.code == 2);
    CHECK(one_error_line(r));
    CHECK(r.err.find("--test-") != std::string::npos);
    CHECK_FALSE(file_exists(out));
    CHECK_FALSE(file_exists(out + ".progress.partial"));
    CHECK_FALSE(file_exists(surface));
    return r.err;
  };
  CHECK(refused(kData, dir.file("missing.h5")).find("missing.h5") != std::string::npos);
  CHECK(refused(kData, dir.file("flat.h5")).find("[64]") != std::string::npos);
  CHECK(refused(dir.file("few.h5"), kData).find("0..9, --data has class labels 0..4") !=
        std::string::npos);
  CHECK(refused(kData, dir.file("reg.h5")).find("--test-data") != std::string::npos);
  CHECK(refused(kData, kData, {"--test-samples", "-1"}).find("--test-samples") !=
        std::string::npos);
  CHECK(refused(kData, kData, {"--test-samples", "100000"}).find("--test-samples") !=
        std::string::npos);
}

TEST_CASE("identity by values: a landscape resumes on another import of the same data and model") {
  ScratchDir dir;
  const std::string csv = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";
  auto import = [&](const std::string& out, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> a = {"import", "--csv", csv, "--images-shape", "1x8x8", "--scale",
                                  "16",     "--out", out};
    a.insert(a.end(), extra.begin(), extra.end());
    REQUIRE(run_hessian(a, dir.path()).code == 0);
  };
  const std::string a = dir.file("a.h5"), b = dir.file("b.h5"), other = dir.file("other.h5");
  import(a);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // HDF5 stamps whole seconds
  import(b);
  import(other, {"--limit", "1700"});
  REQUIRE(read_bytes(a) != read_bytes(b));
  const std::string m1 = dir.file("m1.h5"), m2 = dir.file("m2.h5");
  write_model(m1, read_model(kModel));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  write_model(m2, read_model(kModel));
  REQUIRE(read_bytes(m1) != read_bytes(m2));

  auto args = [&](const std::string& model, const std::string& data, const std::string& threads) {
    std::vector<std::string> g = grid_args(dir.file("r.h5"), threads);
    g[2] = model;
    g[4] = data;
    return g;
  };
  const std::string out = dir.file("r.h5"), progress = out + ".progress.partial";
  const pid_t pid = start_hessian(args(m1, a, "1"), dir.path());
  const CliRun stopped = stop_when_progressing(pid, progress, dir.path());
  REQUIRE(stopped.code == 1);
  const int done = count_computed(read(progress, "landscape/train_loss"));
  REQUIRE(done < 41 * 31);

  // Other values are refused, naming the setting; the progress stays as it is.
  const std::string before = read_bytes(progress);
  const CliRun data_refused = run_hessian(args(m2, other, "2"), dir.path());
  CHECK(data_refused.code == 1);
  CHECK(data_refused.err.find("data_values_sha256") != std::string::npos);
  Model shifted = read_model(kModel);
  shifted.theta[3] += 1e-3;
  write_model(dir.file("shifted.h5"), shifted);
  const CliRun model_refused = run_hessian(args(dir.file("shifted.h5"), b, "2"), dir.path());
  CHECK(model_refused.code == 1);
  CHECK(model_refused.err.find("model_values_sha256") != std::string::npos);
  CHECK(read_bytes(progress) == before);

  // The other files of the same values: resumed, not restarted.
  const CliRun resumed = run_hessian(args(m2, b, "2"), dir.path());
  CAPTURE(resumed.err);
  REQUIRE(resumed.code == 0);
  CHECK(json_field(resumed.out, "resumed_points") == done);
  CHECK(json_field(resumed.out, "evaluated_points") == 41 * 31 - done);
}
