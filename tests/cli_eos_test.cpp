// Tests of `hessian eos` (tools/cmd_eos.cpp) and of the sharpness series `hessian train
// --sharpness-every` writes into its log, running the built binary on the bundled digits data with
// a small MLP (double): the series measured during training equals the one `hessian eos --along`
// measures offline at the checkpoint steps (1e-8), for gd, momentum and adam (preconditioned, with
// the optimizer state read from the run directory), and for checkpoints copied elsewhere with
// --optimizer/--lr given; warm-started measurements need fewer products than cold ones; a
// complete series is kept on a rerun; a series stopped between checkpoints (through the run's
// observer) and run again ends equal to an uninterrupted one, value for value; bad input gives a
// one-line error naming the flag, exit 2, and writes nothing.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "io/hdf5_file.h"
#include "runs/eos_run.h"
#include "support/run_cli.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;
namespace fs = std::filesystem;

namespace {

const std::string kData = bundled_sample("digits.h5");
constexpr const char* kArch = "mlp:64-16-10:tanh";
// Train-time and offline series agree this closely (relative): the same θ, the same analysis set,
// Lanczos converged to 1e-8 in the residual from different start vectors.
constexpr double kSeriesTol = 1e-8;
// alpha and beta are central differences of HVPs along u₁, whose last digits follow the start.
constexpr double kDifferenceTol = 1e-6;

struct Series {
  std::vector<int64_t> step, hvps;
  std::vector<double> eigenvalues, threshold, loss, grad_overlap, alpha, beta;
  int64_t k = 0;
};

Series read_series(const std::string& file, const std::string& group) {
  const h5::File f = h5::File::open_read(file);
  const h5::Group g = f.group(group);
  Series s;
  s.step = g.dataset("step").read<int64_t>();
  s.hvps = g.dataset("hvps").read<int64_t>();
  s.eigenvalues = g.dataset("eigenvalues").read<double>();
  s.threshold = g.dataset("threshold").read<double>();
  s.loss = g.dataset("loss").read<double>();
  s.grad_overlap = g.dataset("grad_overlap").read<double>();
  s.alpha = g.dataset("alpha").read<double>();
  s.beta = g.dataset("beta").read<double>();
  s.k = g.int_attr("k");
  return s;
}

int64_t total(const std::vector<int64_t>& v) {
  int64_t n = 0;
  for (int64_t x : v) n += x;
  return n;
}

bool close(double a, double b, double tol) {
  return std::abs(a - b) <= tol * std::max(1.0, std::max(std::abs(a), std::abs(b)));
}

// Every row of `offline` equals the row of the same step in `tracked`.
void check_same_rows(const Series& tracked, const Series& offline) {
  REQUIRE(offline.step.size() >= 2);
  for (size_t i = 0; i < offline.step.size(); ++i) {
    CAPTURE(offline.step[i]);
    size_t j = 0;
    while (j < tracked.step.size() && tracked.step[j] != offline.step[i]) ++j;
    REQUIRE(j < tracked.step.size());
    CHECK(
        close(tracked.eigenvalues[j * tracked.k], offline.eigenvalues[i * offline.k], kSeriesTol));
    CHECK(tracked.threshold[j] == offline.threshold[i]);
    CHECK(close(tracked.loss[j], offline.loss[i], kSeriesTol));
    CHECK(close(tracked.alpha[j], offline.alpha[i], kDifferenceTol));
    CHECK(close(tracked.beta[j], offline.beta[i], kDifferenceTol));
  }
}

std::vector<std::string> train_args(const std::string& out, std::vector<std::string> extra) {
  std::vector<std::string> a = {"train",
                                "--data",
                                kData,
                                "--arch",
                                kArch,
                                "--loss",
                                "mse",
                                "--seed",
                                "3",
                                "--threads",
                                "2",
                                "--precision",
                                "f64",
                                "--quiet",
                                "--out",
                                out,
                                "--sharpness-every",
                                "10",
                                "--sharpness-samples",
                                "400"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

// The models of a run's checkpoints copied into `to` without their optimizer states.
void copy_models(const std::string& run, const std::string& to) {
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(fs::path(run) / "checkpoints")) {
    const std::string name = e.path().filename().string();
    if (!name.ends_with(".state.h5")) fs::copy_file(e.path(), fs::path(to) / name);
  }
}

// Nothing left by a refused run: no result, no partial, no progress file.
bool nothing_written(const ScratchDir& dir, const std::string& out) {
  return !file_exists(dir.file(out)) && !temporary_left(dir.file(out)) &&
         !file_exists(dir.file(out + ".progress.partial"));
}

// Asks the run to stop once `after` checkpoints are measured.
class StopAfter : public runs::Observer {
 public:
  explicit StopAfter(int64_t after) : after_(after) {}
  void progress(int64_t done, int64_t, const std::string&) override {
    if (done >= after_) stop_ = true;
  }
  const std::atomic<bool>* cancel() const override { return &stop_; }

 private:
  int64_t after_;
  std::atomic<bool> stop_{false};
};

}  // namespace

TEST_CASE("the series tracked in training equals eos --along at the checkpoints; warm < cold") {
  ScratchDir dir;
  struct Case {
    const char* what;
    std::vector<std::string> flags;
    int64_t last;  // the last step
  };
  const Case cases[] = {
      {"gd", {"--optimizer", "gd", "--lr", "0.5", "--steps", "60", "--checkpoint-every", "20"}, 60},
      {"momentum",
       {"--optimizer", "momentum", "--momentum", "0.9", "--lr", "0.1", "--steps", "60",
        "--checkpoint-every", "20", "--sharpness-k", "2"},
       60},
      {"adam",
       {"--optimizer", "adam", "--lr", "0.003", "--batch-size", "200", "--steps", "45",
        "--checkpoint-every", "20"},
       45},
  };
  for (const Case& c : cases) {
    const std::string what = c.what;
    CAPTURE(what);
    const std::string run = std::string("run-") + c.what;
    const CliRun t = run_hessian(train_args(run, c.flags), dir.path());
    CAPTURE(t.err);
    REQUIRE(t.code == 0);
    const Series tracked = read_series(dir.file(run + "/train_log.h5"), "sharpness");
    CHECK(tracked.step.front() == 0);
    CHECK(tracked.step.back() == c.last);

    const CliRun warm = run_hessian({"eos", "--along", run, "--threads", "2", "--k",
                                     std::to_string(tracked.k), "--json", "--out", "warm.h5"},
                                    dir.path());
    CAPTURE(warm.err);
    REQUIRE(warm.code == 0);
    const Series offline = read_series(dir.file("warm.h5"), "eos");
    check_same_rows(tracked, offline);
    CHECK(json_field(warm.out, "samples") == 400);

    const CliRun cold =
        run_hessian({"eos", "--along", run, "--threads", "2", "--k", std::to_string(tracked.k),
                     "--cold", "--json", "--out", "cold.h5"},
                    dir.path());
    REQUIRE(cold.code == 0);
    const Series cold_series = read_series(dir.file("cold.h5"), "eos");
    check_same_rows(tracked, cold_series);
    const int64_t warm_hvps = total(offline.hvps), cold_hvps = total(cold_series.hvps);
    MESSAGE(what << ": products over " << offline.step.size() << " checkpoints: warm-started "
                 << warm_hvps << ", cold " << cold_hvps);
    CHECK(warm_hvps < cold_hvps);
    fs::remove(dir.file("warm.h5"));
    fs::remove(dir.file("cold.h5"));
  }
}

TEST_CASE(
    "eos --along checkpoints from elsewhere with --optimizer/--lr; a complete series is kept") {
  ScratchDir dir;
  const CliRun t = run_hessian({"train",
                                "--data",
                                kData,
                                "--arch",
                                kArch,
                                "--loss",
                                "mse",
                                "--seed",
                                "3",
                                "--threads",
                                "2",
                                "--precision",
                                "f64",
                                "--quiet",
                                "--out",
                                "run",
                                "--optimizer",
                                "gd",
                                "--lr",
                                "0.5",
                                "--steps",
                                "40",
                                "--checkpoint-every",
                                "10",
                                "--sharpness-every",
                                "10"},
                               dir.path());
  REQUIRE(t.code == 0);
  copy_models(dir.file("run"), dir.file("elsewhere"));
  const CliRun r =
      run_hessian({"eos", "--along", "elsewhere", "--data", kData, "--optimizer", "gd", "--lr",
                   "0.5", "--threads", "2", "--precision", "f64", "--json", "--out", "e.h5"},
                  dir.path());
  CAPTURE(r.err);
  REQUIRE(r.code == 0);
  const Series tracked = read_series(dir.file("run/train_log.h5"), "sharpness");
  const Series offline = read_series(dir.file("e.h5"), "eos");
  CHECK(offline.step == std::vector<int64_t>{0, 10, 20, 30, 40});
  check_same_rows(tracked, offline);
  CHECK(json_field(r.out, "measured") == 5);

  // The run's checkpoints folder (or a glob in it) brings the run directory's optimizer, lr and
  // precision.
  for (const std::string along : {"run/checkpoints", "run/checkpoints/step-*.h5"}) {
    CAPTURE(along);
    const CliRun f = run_hessian(
        {"eos", "--along", along, "--threads", "2", "--json", "--out", "f.h5"}, dir.path());
    CAPTURE(f.err);
    REQUIRE(f.code == 0);
    CHECK(f.out.find("\"run_directory\": \"run\"") != std::string::npos);
    check_same_rows(tracked, read_series(dir.file("f.h5"), "eos"));
    fs::remove(dir.file("f.h5"));
  }

  // The same series again: kept as it is, nothing measured.
  const CliRun again =
      run_hessian({"eos", "--along", "elsewhere", "--data", kData, "--optimizer", "gd", "--lr",
                   "0.5", "--threads", "2", "--precision", "f64", "--json", "--out", "e.h5"},
                  dir.path());
  REQUIRE(again.code == 0);
  CHECK(json_field(again.out, "measured") == 0);
  CHECK(json_field(again.out, "max_ratio") == json_field(r.out, "max_ratio"));
}

TEST_CASE("eos: bad input gives one line naming the flag, exit 2, and writes nothing") {
  ScratchDir dir;
  auto train = [&](const std::string& out, const std::string& arch, const std::string& opt) {
    const CliRun t = run_hessian({"train", "--data",  kData,   "--arch",
                                  arch,    "--loss",  "mse",   "--optimizer",
                                  opt,     "--lr",    "0.01",  "--batch-size",
                                  "300",   "--steps", "2",     "--checkpoint-every",
                                  "1",     "--quiet", "--out", out},
                                 dir.path());
    REQUIRE(t.code == 0);
  };
  train("a", kArch, "gd");
  train("b", "mlp:64-8-10:tanh", "gd");
  train("adam", kArch, "adam");
  // Checkpoints of two models in one folder; checkpoints without a run directory.
  fs::create_directories(dir.file("mixed"));
  fs::copy_file(dir.file("a/checkpoints/step-000000000.h5"), dir.file("mixed/step-0.h5"));
  fs::copy_file(dir.file("b/checkpoints/step-000000001.h5"), dir.file("mixed/step-1.h5"));
  copy_models(dir.file("a"), dir.file("elsewhere"));
  copy_models(dir.file("adam"), dir.file("adam-elsewhere"));
  fs::create_directories(dir.file("empty"));
  struct Case {
    const char* what;
    std::vector<std::string> args;
    const char* flag;
  };
  const Case cases[] = {
      {"a folder without checkpoints",
       {"--along", "empty", "--data", kData, "--lr", "1"},
       "--along"},
      {"a glob matching nothing",
       {"--along", "a/nothing-*.h5", "--data", kData, "--lr", "1"},
       "--along"},
      {"checkpoints of different models",
       {"--along", "mixed", "--data", kData, "--lr", "1"},
       "--along"},
      {"no learning rate for checkpoints from elsewhere",
       {"--along", "elsewhere", "--data", kData},
       "--lr"},
      {"adam without its state",
       {"--along", "adam-elsewhere", "--data", kData, "--optimizer", "adam", "--lr", "0.01"},
       "--optimizer"},
      {"another learning rate than the run's", {"--along", "a", "--lr", "0.02"}, "--lr"},
      {"k above the parameter count", {"--along", "a", "--k", "100000"}, "--k"},
      {"more samples than the training set", {"--along", "a", "--samples", "5000"}, "--samples"},
      {"no --along", {"--data", kData, "--lr", "1"}, "--along"},
  };
  for (const Case& c : cases) {
    const std::string what = c.what;
    CAPTURE(what);
    std::vector<std::string> args = {"eos"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    args.insert(args.end(), {"--out", "r.h5"});
    const CliRun r = run_hessian(args, dir.path());
    CAPTURE(r.err);
    CHECK(r.code == 2);
    CHECK(is_one_error_line(r));
    CHECK(r.err.find(c.flag) != std::string::npos);
    CHECK(r.out.empty());
    CHECK(nothing_written(dir, "r.h5"));
  }
}

TEST_CASE("eos stopped between checkpoints and run again ends equal to an uninterrupted series") {
  ScratchDir dir;
  const CliRun t =
      run_hessian(train_args("run", {"--optimizer", "momentum", "--lr", "0.1", "--steps", "60",
                                     "--checkpoint-every", "10", "--sharpness-k", "2"}),
                  dir.path());
  REQUIRE(t.code == 0);
  runs::EosRun run;
  run.along = dir.file("run");
  run.inputs.threads = 2;
  run.eos.k = 2;
  run.output.out = dir.file("whole.h5");
  runs::Observer quiet;
  runs::eos(run, quiet);

  run.output.out = dir.file("cut.h5");
  StopAfter stop(3);
  CHECK_THROWS_WITH_AS(runs::eos(run, stop), doctest::Contains("run the same eos again"),
                       std::runtime_error);
  CHECK(!file_exists(dir.file("cut.h5")));
  REQUIRE(file_exists(dir.file("cut.h5.progress.partial")));
  const Record resumed = runs::eos(run, quiet);
  CHECK(resumed.number("measured") == 4);  // 7 checkpoints, 3 before the stop
  CHECK(resumed.number("resumed") == 3);
  CHECK(!file_exists(dir.file("cut.h5.progress.partial")));

  const Series a = read_series(dir.file("whole.h5"), "eos"),
               b = read_series(dir.file("cut.h5"), "eos");
  CHECK(a.step == std::vector<int64_t>{0, 10, 20, 30, 40, 50, 60});
  CHECK(b.step == a.step);
  CHECK(b.hvps == a.hvps);
  CHECK(b.eigenvalues == a.eigenvalues);
  CHECK(b.loss == a.loss);
  CHECK(b.alpha == a.alpha);
  CHECK(b.beta == a.beta);
  CHECK(b.grad_overlap == a.grad_overlap);
}
