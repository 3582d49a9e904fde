// Tests of `hessian roughness` (tools/cmd_roughness.cpp), running the built binary on the bundled
// sample (data/digits-mlp.h5 on data/digits.h5) with small settings: the JSON summary and the
// /roughness result group agree with each other and with the definition of RI; RI is reproducible
// for a seed and changes with it; --along gives one entry per checkpoint of a run made by
// `hessian train` (or the same models in a checkpoint series file); bad input gives one-line errors
// with the right exit codes and leaves the result file as it was.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "analyzers/roughness.h"
#include "io/checkpoint_series.h"
#include "io/model_file.h"
#include "io/result_reader.h"
#include "support/run_cli.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {

const std::string kModel = bundled_sample("digits-mlp.h5");
const std::string kData = bundled_sample("digits.h5");
constexpr int kDirections = 4;
constexpr int kPoints = 4;

// The small roughness run every test starts from, with `extra` flags appended.
std::vector<std::string> small_run(std::vector<std::string> extra) {
  std::vector<std::string> args = {"roughness",
                                   "--data",
                                   kData,
                                   "--samples",
                                   "200",
                                   "--directions",
                                   std::to_string(kDirections),
                                   "--points",
                                   std::to_string(kPoints),
                                   "--radius",
                                   "0.5",
                                   "--threads",
                                   "2"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace

TEST_CASE("roughness: JSON keys, the result group, RI reproducible for a seed") {
  ScratchDir dir;
  const CliRun a = run_hessian(
      small_run({"--model", kModel, "--seed", "1", "--json", "--out", "a.h5"}), dir.path());
  CAPTURE(a.err);
  REQUIRE(a.code == 0);
  for (const char* key : {"tv_mean", "tv_std", "ri", "tv", "loss", "flat_profiles"}) {
    CAPTURE(key);
    CHECK(json_key_count(a.out, key) == 1);
  }
  const double ri = json_field(a.out, "ri");
  CHECK(std::isfinite(ri));
  CHECK(ri > 0.0);

  // The group holds every profile; μ, σ and RI follow from its TVs, and the TVs from the profiles.
  const ResultReader reader(dir.file("a.h5"));
  const ResultGroupView g = reader.group("roughness");
  const ResultArray profiles = g.array("profiles");
  REQUIRE(profiles.shape == Shape{kDirections, kPoints + 1});
  const std::vector<double> t = g.values("t");
  REQUIRE(t.size() == kPoints + 1);
  const std::vector<double> tv = g.values("tv");
  REQUIRE(tv.size() == kDirections);
  for (int i = 0; i < kDirections; ++i) {
    const std::vector<double> f(profiles.values.begin() + i * (kPoints + 1),
                                profiles.values.begin() + (i + 1) * (kPoints + 1));
    CHECK(tv[i] == doctest::Approx(normalized_total_variation(f, t.front(), t.back())));
  }
  const RoughnessIndex index = roughness_index(tv);
  CHECK(g.h5().real_attr("ri") == doctest::Approx(index.ri).epsilon(1e-12));
  CHECK(ri == doctest::Approx(index.ri).epsilon(1e-9));
  CHECK(json_field(a.out, "tv_mean") == doctest::Approx(index.mu).epsilon(1e-9));
  CHECK(g.metadata().seed == 1);
  CHECK(g.metadata().command_line.find("roughness") != std::string::npos);

  const CliRun b = run_hessian(
      small_run({"--model", kModel, "--seed", "1", "--json", "--out", "b.h5"}), dir.path());
  REQUIRE(b.code == 0);
  CHECK(json_field(b.out, "ri") == ri);  // same seed: same directions, same profiles
  CHECK(ResultReader(dir.file("b.h5")).group("roughness").values("profiles") == profiles.values);
  const CliRun c = run_hessian(
      small_run({"--model", kModel, "--seed", "2", "--json", "--out", "c.h5"}), dir.path());
  REQUIRE(c.code == 0);
  CHECK(json_field(c.out, "ri") != ri);
}

TEST_CASE("roughness --along: one entry per checkpoint of a run made by hessian train") {
  ScratchDir dir;
  const CliRun train = run_hessian({"train",
                                    "--data",
                                    kData,
                                    "--arch",
                                    "mlp:64-8-10:tanh",
                                    "--seed",
                                    "3",
                                    "--optimizer",
                                    "momentum",
                                    "--lr",
                                    "0.05",
                                    "--batch-size",
                                    "64",
                                    "--steps",
                                    "20",
                                    "--checkpoint-every",
                                    "10",
                                    "--threads",
                                    "2",
                                    "--quiet",
                                    "--out",
                                    "run"},
                                   dir.path());
  CAPTURE(train.err);
  REQUIRE(train.code == 0);
  const std::string glob = "run/checkpoints/step-*[0-9].h5";
  const CliRun r = run_hessian(
      small_run({"--along", glob, "--seed", "5", "--json", "--out", "along.h5"}), dir.path());
  CAPTURE(r.err);
  REQUIRE(r.code == 0);
  CHECK(json_key_count(r.out, "step") == 3);
  CHECK(json_key_count(r.out, "ri") == 3);
  CHECK(json_key_count(r.out, "tv") == 3);
  const ResultReader reader(dir.file("along.h5"));
  const ResultGroupView g = reader.group("roughness");
  CHECK(g.ints("steps") == std::vector<int64_t>{0, 10, 20});
  CHECK(g.array("profiles").shape == Shape{3, kDirections, kPoints + 1});
  CHECK(g.array("tv").shape == Shape{3, kDirections});
  const std::vector<double> ri = g.values("ri");
  REQUIRE(ri.size() == 3);
  CHECK(g.strings("checkpoints").size() == 3);
  CHECK(g.strings("status") == std::vector<std::string>(3, "ok"));

  // Each entry equals a plain run on that checkpoint with the same seed.
  const CliRun last = run_hessian(small_run({"--model", "run/checkpoints/step-000000020.h5",
                                             "--seed", "5", "--json", "--out", "last.h5"}),
                                  dir.path());
  REQUIRE(last.code == 0);
  CHECK(json_field(last.out, "ri") == doctest::Approx(ri[2]).epsilon(1e-12));
  const std::vector<double> tv = g.values("tv");
  CHECK(ResultReader(dir.file("last.h5")).group("roughness").values("tv") ==
        std::vector<double>(tv.begin() + 2 * kDirections, tv.end()));

  // The same run as a checkpoint series file gives the same entries.
  for (const auto& [step, name] : std::vector<std::pair<int64_t, std::string>>{
           {20, "step-000000020.h5"}, {0, "step-000000000.h5"}, {10, "step-000000010.h5"}}) {
    append_checkpoint(dir.file("series.h5"), step, read_model(dir.file("run/checkpoints/" + name)));
  }
  const CliRun series = run_hessian(
      small_run({"--along", "series.h5", "--seed", "5", "--json", "--out", "series-r.h5"}),
      dir.path());
  CAPTURE(series.err);
  REQUIRE(series.code == 0);
  const ResultReader series_reader(dir.file("series-r.h5"));
  CHECK(series_reader.group("roughness").ints("steps") == std::vector<int64_t>{0, 10, 20});
  CHECK(series_reader.group("roughness").values("ri") == ri);

  // A checkpoint of another model in the glob: an error naming it, nothing written.
  std::filesystem::copy_file(kModel, dir.file("run/checkpoints/step-000000030.h5"));
  const CliRun mixed = run_hessian(small_run({"--along", glob, "--out", "mixed.h5"}), dir.path());
  CHECK(mixed.code == 1);
  CHECK(is_one_error_line(mixed));
  CHECK(mixed.err.find("step-000000030.h5: not the model of") != std::string::npos);
  CHECK(!file_exists(dir.file("mixed.h5")));
}

TEST_CASE("roughness: bad input gives one error line, the exit code, and the file untouched") {
  ScratchDir dir;
  const CliRun ok =
      run_hessian(small_run({"--model", kModel, "--out", "r.h5", "--quiet"}), dir.path());
  REQUIRE(ok.code == 0);
  const std::string before = read_bytes(dir.file("r.h5"));
  write_bytes(dir.file("notes.h5"), "not a result file");
  struct Case {
    std::vector<std::string> args;
    int code;
    const char* says;
  };
  const std::vector<Case> cases = {
      {small_run({"--model", kModel, "--radius", "-0.1", "--out", "r.h5"}), 2, "radius"},
      {small_run({"--model", kModel, "--points", "1", "--out", "r.h5"}), 2, "points"},
      {small_run({"--model", kModel, "--directions", "1", "--out", "r.h5"}), 2, "directions"},
      {small_run({"--model", kModel, "--norm", "spectral", "--out", "r.h5"}), 2, "spectral"},
      {small_run({"--along", "nowhere/step-*.h5", "--out", "r.h5"}), 1, "nowhere/step-*.h5"},
      {small_run({"--along", "r.h5", "--model", kModel, "--out", "r.h5"}), 2, "--along"},
      {small_run({"--model", "missing.h5", "--out", "r.h5"}), 1, "missing.h5"},
      {small_run({"--model", kModel, "--out", "notes.h5"}), 1, "notes.h5"},
  };
  for (const Case& c : cases) {
    const CliRun r = run_hessian(c.args, dir.path());
    CAPTURE(r.err);
    CAPTURE(c.says);
    CHECK(r.code == c.code);
    CHECK(is_one_error_line(r));
    CHECK(r.err.find(c.says) != std::string::npos);
  }
  CHECK(read_bytes(dir.file("r.h5")) == before);
  CHECK(read_bytes(dir.file("notes.h5")) == "not a result file");
  CHECK_FALSE(temporary_left(dir.file("r.h5")));
}
