// `hessian landscape` under mpirun (docs/distributed.md, "How the work divides"): points divided
// among the ranks, each evaluated whole on one rank, rank 0 writing them as they come. The grid on
// 2 and 3 ranks is the same bits as in one process; a run on 2 ranks killed mid-way (SIGTERM to
// mpirun) keeps its finished points and, resumed on 3 ranks, equals an uninterrupted run in one
// process. Roughness profiles divided among ranks (analyzers/point_evaluator.h) are the same bits
// as in one process.
#include <doctest/doctest.h>

#include "io/hdf5_file.h"
#include "support/grid_progress.h"
#include "support/run_cli.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {

std::vector<double> read(const std::string& file, const std::string& name) {
  const h5::File f = h5::File::open_read(file);
  return f.group("landscape").dataset(name).read<double>();
}

// The bundled sample on a 101 x 51 grid, one thread per rank, float64 passes: long enough (about
// 7 s in one process, half that on 2 ranks) for a SIGTERM sent 0.4 s after the progress file
// appears to land well before the end.
std::vector<std::string> grid_args(const std::string& out) {
  return {"landscape",
          "--model",
          bundled_sample("digits-mlp.h5"),
          "--data",
          bundled_sample("digits.h5"),
          "--x",
          "-1:1:101",
          "--y",
          "-0.75:0.75:51",
          "--seed",
          "3",
          "--out",
          out,
          "--threads",
          "1",
          "--precision",
          "f64",
          "--json"};
}

constexpr int kTotal = 101 * 51;

}  // namespace

TEST_CASE("landscape on 2 and 3 ranks: the same bits as in one process") {
  ScratchDir dir;
  const std::vector<std::string> small = {
      "landscape", "--arch", "mlp:4-6-3:tanh", "--samples", "61",
      "--seed",    "3",      "--batch-size",   "8",         "--x",
      "-1:1:7",    "--y",    "-1:1:5",         "--threads", "1",
      "--json",    "--out"};
  std::vector<std::string> a = small;
  a.push_back("one.h5");
  REQUIRE(run_hessian(a, dir.path()).code == 0);
  for (int ranks : {2, 3}) {
    CAPTURE(ranks);
    a = small;
    a.push_back("ranks.h5");
    const CliRun r = run_hessian_ranks(ranks, a, dir.path());
    REQUIRE_MESSAGE(r.code == 0, r.err);
    CHECK(json_field(r.out, "evaluated_points") == 35);
    CHECK(read(dir.file("ranks.h5"), "train_loss") == read(dir.file("one.h5"), "train_loss"));
    CHECK(read(dir.file("ranks.h5"), "train_acc") == read(dir.file("one.h5"), "train_acc"));
    std::remove(dir.file("ranks.h5").c_str());
  }
}

TEST_CASE(
    "killed on 2 ranks by SIGTERM to mpirun, resumed on 3: equals one uninterrupted process") {
  ScratchDir dir;
  const std::string ref = dir.file("ref.h5"), out = dir.file("r.h5");
  REQUIRE(run_hessian(grid_args(ref), dir.path()).code == 0);

  const pid_t pid = start_hessian_ranks(2, grid_args(out), dir.path());
  const std::string progress = out + ".progress.partial";
  const CliRun stopped = stop_when_progressing(pid, progress, dir.path());
  CHECK(stopped.code != 0);
  CHECK_FALSE(file_exists(out));
  REQUIRE(file_exists(progress));
  const int done = count_computed(read(progress, "train_loss"));
  CHECK(done > 0);
  REQUIRE(done < kTotal);

  const CliRun rerun = run_hessian_ranks(3, grid_args(out), dir.path());
  REQUIRE_MESSAGE(rerun.code == 0, rerun.err);
  CHECK(json_field(rerun.out, "resumed_points") == done);
  CHECK(json_field(rerun.out, "evaluated_points") == kTotal - done);
  CHECK_FALSE(file_exists(progress));
  CHECK(read(out, "train_loss") == read(ref, "train_loss"));
  CHECK(read(out, "train_acc") == read(ref, "train_acc"));
}

TEST_CASE("roughness on 2 and 3 ranks: the same profiles as in one process") {
  ScratchDir dir;
  const std::vector<std::string> a = {"roughness",
                                      "--arch",
                                      "mlp:4-6-3:tanh",
                                      "--samples",
                                      "61",
                                      "--seed",
                                      "3",
                                      "--batch-size",
                                      "8",
                                      "--directions",
                                      "5",
                                      "--points",
                                      "7",
                                      "--threads",
                                      "1",
                                      "--json",
                                      "--out"};
  std::vector<std::string> serial = a;
  serial.push_back("one.h5");
  const CliRun want = run_hessian(serial, dir.path());
  REQUIRE_MESSAGE(want.code == 0, want.err);
  for (int ranks : {2, 3}) {
    CAPTURE(ranks);
    std::vector<std::string> distributed = a;
    distributed.push_back("ranks.h5");
    const CliRun r = run_hessian_ranks(ranks, distributed, dir.path());
    REQUIRE_MESSAGE(r.code == 0, r.err);
    CHECK(json_field(r.out, "ri") == json_field(want.out, "ri"));
    CHECK(json_field(r.out, "passes") == json_field(want.out, "passes"));
    const h5::File got = h5::File::open_read(dir.file("ranks.h5"));
    const h5::File one = h5::File::open_read(dir.file("one.h5"));
    CHECK(got.group("roughness").dataset("profiles").read<double>() ==
          one.group("roughness").dataset("profiles").read<double>());
    std::remove(dir.file("ranks.h5").c_str());
  }
}
