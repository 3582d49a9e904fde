// The command line as a new user meets it (tools/flags.h): every numeric flag of every command,
// given a value its analysis refuses, is exit code 2 with one line naming the flag the user typed
// (never the internal field); abbreviated flags are unknown; --threads above the machine's cores is
// warned about once and runs; --json and --quiet are accepted by every command; the library's
// defaults are the command line's; --data-seed draws the --samples subset apart from --seed.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "analyzers/eigen.h"
#include "analyzers/sharpness.h"
#include "analyzers/trace.h"
#include "io/hdf5_file.h"
#include "support/json_value.h"
#include "support/run_cli.h"
#include "support/scratch_dir.h"

using namespace hess::test;

namespace {

struct Refused {
  std::vector<std::string> args;  // after the command's model and data
  std::string message;            // the error line without "hessian: error: "
};

const std::string kModel = bundled_sample("digits-mlp.h5");
const std::string kData = bundled_sample("digits.h5");

std::vector<std::string> with_inputs(const std::string& command,
                                     const std::vector<std::string>& args) {
  std::vector<std::string> all = {command, "--model", kModel, "--data", kData, "--samples", "64"};
  all.insert(all.end(), args.begin(), args.end());
  return all;
}

void check_refused(const std::string& command, const std::vector<Refused>& cases) {
  ScratchDir dir;
  for (const Refused& c : cases) {
    const CliRun r = run_hessian(with_inputs(command, c.args), dir.path());
    CAPTURE(command);
    CAPTURE(c.args);
    CAPTURE(r.err);
    CHECK(r.code == 2);
    CHECK(r.err == "hessian: error: " + c.message + "\n");
    CHECK(r.out.empty());
    CHECK_FALSE(file_exists(dir.file("results.h5")));
  }
}

}  // namespace

TEST_CASE("numeric flags of the spectral commands: the flag typed is named, exit 2") {
  check_refused("eigen",
                {
                    {{"--k", "0"}, "--k must be at least 1 (got 0)"},
                    {{"--k", "2411"}, "--k (2411) exceeds P (2410)"},
                    {{"--tol", "0"}, "--tol must be positive and finite (got 0)"},
                    {{"--max-iterations", "0"}, "--max-iterations must be at least 1 (got 0)"},
                });
  check_refused("trace", {
                             {{"--probes", "1"}, "--probes must be at least 2 for auto (got 1)"},
                             {{"--probes", "0"}, "--probes must be positive (got 0)"},
                             {{"--method", "hutchpp", "--probes", "4"},
                              "--probes must be at least 6 for hutchpp (got 4)"},
                             {{"--min-probes", "50", "--probes", "10"},
                              "--min-probes (50) must be at most --probes (10)"},
                             {{"--rtol", "-1"}, "--rtol must be non-negative and finite (got -1)"},
                         });
  check_refused("diag",
                {
                    {{"--probes", "1"}, "--probes must be at least 2 for a standard error (got 1)"},
                });
  check_refused(
      "density",
      {
          {{"--runs", "0"}, "--runs must be at least 1 (got 0)"},
          {{"--steps", "0"}, "--steps must be at least 1 (got 0)"},
          {{"--sigma", "0"}, "--sigma must be positive and finite (got 0)"},
          {{"--grid", "50"},
           "--grid (50 points) is too coarse for --sigma 0.01: at least 117 points are needed"},
      });
}

TEST_CASE("numeric flags of sharpness and roughness: the flag typed is named, exit 2") {
  check_refused(
      "sharpness",
      {
          {{"--trace-products", "4"}, "--trace-products must be at least 6 for hutchpp (got 4)"},
          {{"--draws", "1"}, "--draws must be at least 2 for a standard error (got 1)"},
          {{"--k", "0"}, "--k must be at least 1 (got 0)"},
          {{"--epsilon", "0"}, "--epsilon must be positive and finite (got 0)"},
          {{"--rho", "-1"}, "--rho must be positive and finite (got -1)"},
          {{"--steps", "0"}, "--steps must be at least 1 (got 0)"},
      });
  check_refused("roughness",
                {
                    {{"--directions", "1"},
                     "--directions must be at least 2 for a standard deviation (got 1)"},
                    {{"--points", "1"}, "--points must be at least 2 intervals (got 1)"},
                    {{"--radius", "0"}, "--radius must be positive and finite (got 0)"},
                });
}

TEST_CASE("abbreviated long flags are unknown options, exit 2") {
  ScratchDir dir;
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"eigen", {"--sample", "10"}},     // --samples
      {"trace", {"--prob", "10"}},       // --probes
      {"density", {"--thread", "1"}},    // --threads
      {"eigen", {"--per", "--k", "1"}},  // --per-layer
  };
  for (const auto& [command, args] : cases) {
    const CliRun r = run_hessian(with_inputs(command, args), dir.path());
    CAPTURE(command);
    CAPTURE(args);
    CHECK(r.code == 2);
    CHECK(r.err == "hessian: error: " + command + ": unrecognised option '" + args.front() + "'\n");
    CHECK(r.out.empty());
  }
}

TEST_CASE("--threads above the machine's cores: one warning naming the flag, and the run goes on") {
  ScratchDir dir;
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const std::string more = std::to_string(cores + 1);
  for (const std::string command : {"info", "eigen"}) {
    // batches of 8: as many batches as threads, so all of them run (docs/cli.md, --threads)
    const CliRun r = run_hessian(
        with_inputs(command, {"--threads", more, "--batch-size", "8", "--json"}), dir.path());
    CAPTURE(command);
    CHECK(r.code == 0);
    CHECK(r.err == "hessian: warning: --threads " + more + " is more than the " +
                       std::to_string(cores) + " cores of this machine\n");
    CHECK(parse_json(r.out)["threads"].number() == cores + 1);
  }
  const CliRun fits =
      run_hessian(with_inputs("info", {"--threads", std::to_string(cores), "--json"}), dir.path());
  CHECK(fits.code == 0);
  CHECK(fits.err.empty());
}

TEST_CASE("--json and --quiet are accepted by every command") {
  ScratchDir dir;
  const CliRun info = run_hessian({"info", "--model", kModel, "--quiet"}, dir.path());
  CAPTURE(info.err);
  CHECK(info.code == 0);
  CHECK(info.err.empty());
  const CliRun json = run_hessian({"info", "--model", kModel, "--json", "--quiet"}, dir.path());
  CHECK(json.code == 0);
  CHECK(json_field(json.out, "parameters") == 2410);
  for (const std::string command : {"eigen", "trace", "diag", "density", "report", "landscape",
                                    "roughness", "sharpness", "train", "import", "info", "eos"}) {
    const CliRun help = run_hessian({command, "--help"}, dir.path());
    CAPTURE(command);
    CHECK(help.code == 0);
    CHECK(help.out.find("--json") != std::string::npos);
    CHECK(help.out.find("--quiet") != std::string::npos);
  }
}

TEST_CASE("the library's defaults are the command line's") {
  CHECK(hess::EigenOptions{}.k == 5);
  ScratchDir dir;
  const CliRun r = run_hessian(with_inputs("eigen", {"--json", "--out", "e.h5"}), dir.path());
  REQUIRE(r.code == 0);
  CHECK(parse_json(r.out)["eigenvalues"].numbers().size() ==
        static_cast<size_t>(hess::EigenOptions{}.k));
}

TEST_CASE("--data-seed: the subset follows it, the probes follow --seed; recorded as data_seed") {
  ScratchDir dir;
  auto info_loss = [&](const std::vector<std::string>& seeds) {
    std::vector<std::string> a = with_inputs("info", seeds);
    a.push_back("--json");
    const CliRun r = run_hessian(a, dir.path());
    REQUIRE(r.code == 0);
    return json_field(r.out, "loss");
  };
  // 64 of 1797 samples: the loss tells the subsets apart.
  const double l7 = info_loss({"--seed", "1", "--data-seed", "7"});
  CHECK(info_loss({"--seed", "2", "--data-seed", "7"}) == l7);
  CHECK(info_loss({"--seed", "7"}) == l7);  // the default: the subset --seed drew before
  CHECK(info_loss({"--seed", "1", "--data-seed", "8"}) != l7);
  CHECK(info_loss({"--seed", "1"}) != l7);

  auto trace = [&](const std::vector<std::string>& seeds, const std::string& out) {
    std::vector<std::string> a = with_inputs("trace", seeds);
    a.insert(a.end(),
             {"--method", "hutchinson", "--probes", "8", "--rtol", "0", "--out", out, "--json"});
    const CliRun r = run_hessian(a, dir.path());
    CAPTURE(r.err);
    REQUIRE(r.code == 0);
    return json_field(r.out, "trace");
  };
  const double t1 = trace({"--seed", "1", "--data-seed", "7"}, dir.file("a.h5"));
  const double t2 = trace({"--seed", "2", "--data-seed", "7"}, dir.file("b.h5"));
  CHECK(t1 != t2);  // other probes on the same subset
  CHECK(trace({"--seed", "1", "--data-seed", "7"}, dir.file("c.h5")) == t1);
  const hess::h5::File b = hess::h5::File::open_read(dir.file("b.h5"));
  const hess::h5::Group g = b.group("trace");
  CHECK(g.u64_attr("seed") == 2);
  CHECK(g.u64_attr("data_seed") == 7);
  // Without --data-seed it is --seed.
  trace({"--seed", "4"}, dir.file("d.h5"));
  const hess::h5::File d = hess::h5::File::open_read(dir.file("d.h5"));
  CHECK(d.group("trace").u64_attr("data_seed") == 4);

  const CliRun bad = run_hessian(with_inputs("info", {"--data-seed", "-1"}), dir.path());
  CHECK(bad.code == 2);
  CHECK(bad.err == "hessian: error: --data-seed '-1' is not a non-negative integer\n");
}
