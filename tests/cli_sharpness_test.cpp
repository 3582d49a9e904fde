// Tests of `hessian sharpness` (tools/cmd_sharpness.cpp), running the built binary on the bundled
// sample (data/digits-mlp.h5 on data/digits.h5) with small settings: every measure's JSON key and
// its attribute in the /sharpness result group, with the relations that must hold between them
// (‖H‖_F ≥ λmax, worst ≥ average, overlap in [0, 1]); the group added beside another command's;
// bad input gives one-line errors with the right exit codes and leaves the result file as it was.
// The values themselves are tested against dense references in tests/sharpness_test.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "io/result_reader.h"
#include "support/run_cli.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {

const std::string kModel = bundled_sample("digits-mlp.h5");
const std::string kData = bundled_sample("digits.h5");

// A small run of every measure, with `extra` flags appended.
std::vector<std::string> small_run(std::vector<std::string> extra) {
  std::vector<std::string> args = {"sharpness", "--model",          kModel, "--data",
                                   kData,       "--samples",        "200",  "--draws",
                                   "4",         "--steps",          "3",    "--k",
                                   "2",         "--trace-products", "12",   "--frobenius-probes",
                                   "8",         "--threads",        "2",    "--seed",
                                   "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace

TEST_CASE("sharpness: every measure in the JSON summary and the /sharpness group") {
  ScratchDir dir;
  // Another command's group first: sharpness adds its own beside it.
  const CliRun rough =
      run_hessian({"roughness", "--model", kModel, "--data", kData, "--samples", "100",
                   "--directions", "2", "--points", "2", "--quiet", "--out", "res.h5"},
                  dir.path());
  REQUIRE(rough.code == 0);
  const CliRun r = run_hessian(small_run({"--json", "--out", "res.h5"}), dir.path());
  CAPTURE(r.err);
  REQUIRE(r.code == 0);
  const ResultReader reader(dir.file("res.h5"));
  const ResultGroupView g = reader.group("sharpness");
  for (const char* key :
       {"lambda_max", "trace", "frobenius_norm", "overlap", "average", "worst", "keskar", "loss"}) {
    CAPTURE(key);
    const double v = json_field(r.out, key);
    CHECK(std::isfinite(v));
    CHECK(g.h5().real_attr(key) == v);
  }
  CHECK(reader.group("roughness").values("tv").size() == 2);
  CHECK(json_field(r.out, "overlap_k") == 2);
  const double lambda_max = json_field(r.out, "lambda_max");
  const std::vector<double> top = g.values("top_eigenvalues");
  REQUIRE(top.size() == 2);
  CHECK(top[0] == lambda_max);
  CHECK(top[1] <= top[0]);
  CHECK(lambda_max > 0.0);
  const double overlap = json_field(r.out, "overlap");
  CHECK(overlap >= 0.0);
  CHECK(overlap <= 1.0);
  // ‖H‖_F ≥ λmax up to its error bar; worst case ≥ average case (both at ρ = 0.05).
  CHECK(json_field(r.out, "frobenius_norm") + 4 * json_field(r.out, "frobenius_norm_stderr") >=
        lambda_max);
  CHECK(json_field(r.out, "worst") >= json_field(r.out, "average"));
  CHECK(g.metadata().hvps > 0);
  CHECK(g.h5().strings_attr("measures").size() == 7);

  // A subset of measures: only their keys.
  const CliRun one =
      run_hessian(small_run({"--measures", "lambda_max", "--json", "--out", "one.h5"}), dir.path());
  REQUIRE(one.code == 0);
  CHECK(json_field(one.out, "lambda_max") == doctest::Approx(lambda_max).epsilon(1e-6));
  CHECK(json_key_count(one.out, "trace") == 0);
  CHECK(json_key_count(one.out, "worst") == 0);
}

TEST_CASE("sharpness: bad input gives one error line, the exit code, and the file untouched") {
  ScratchDir dir;
  const CliRun ok =
      run_hessian(small_run({"--measures", "lambda_max", "--out", "r.h5"}), dir.path());
  REQUIRE(ok.code == 0);
  const std::string before = read_bytes(dir.file("r.h5"));
  struct Case {
    std::vector<std::string> args;
    int code;
    const char* says;
  };
  const std::vector<Case> cases = {
      {small_run({"--rho", "-0.1", "--out", "r.h5"}), 2, "--rho"},
      {small_run({"--measures", "sam", "--out", "r.h5"}), 2, "sam"},
      {small_run({"--ball", "l1", "--out", "r.h5"}), 2, "l1"},
      {small_run({"--k", "0", "--out", "r.h5"}), 2, "--k"},
      {small_run({"--k", "100000", "--out", "r.h5"}), 2, "--k"},
      {{"sharpness", "--model", kModel, "--data", kData, "--trace-products", "2", "--out", "r.h5"},
       2,
       "--trace-products must be at least 6"},
      {{"sharpness", "--model", kModel, "--data", "missing.h5", "--out", "r.h5"}, 1, "missing.h5"},
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
  CHECK_FALSE(temporary_left(dir.file("r.h5")));
}
