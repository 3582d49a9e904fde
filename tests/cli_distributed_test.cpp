// `hessian` under `mpirun -np 2` and `-np 3` (docs/distributed.md) against the same command in one
// process: eigen, trace, diag and density give the serial results to 1e-12 relative (the same sums
// added in another order) on analysis sets that do not divide evenly among the ranks, also with
// more ranks than batches and than samples (idle ranks); every command that makes products runs
// and records `ranks`; only rank 0 prints and writes; a data file missing on one rank only ends
// every rank with rank 0's one-line error naming that rank, exit 1, nothing written.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "io/result_reader.h"
#include "support/json_value.h"
#include "support/run_cli.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr double kSumOrderTol = 1e-12;  // products and eigenvalues: sums in another order

// 61 samples in batches of 8: 8 batches, split 31/30 over 2 ranks and 21/20/20 over 3; float64
// passes, so that sums in another order agree to kSumOrderTol.
std::vector<std::string> args(std::vector<std::string> command, const std::string& arch,
                              const std::string& samples = "61") {
  for (const std::string& s :
       {std::string("--arch"), arch, std::string("--samples"), samples, std::string("--seed"),
        std::string("3"), std::string("--threads"), std::string("1"), std::string("--batch-size"),
        std::string("8"), std::string("--precision"), std::string("f64"), std::string("--json")})
    command.push_back(s);
  return command;
}

std::vector<std::string> with_out(std::vector<std::string> a, const std::string& out) {
  a.push_back("--out");
  a.push_back(out);
  return a;
}

// |a − b| ≤ tol · max|b| elementwise.
void check_close(const std::vector<double>& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  double scale = 0;
  for (double w : want) scale = std::max(scale, std::abs(w));
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(std::abs(got[i] - want[i]) <= kSumOrderTol * scale);
  }
}

struct Compared {
  const char* command;
  std::vector<std::string> flags;
  std::vector<const char*> json_numbers;  // scalar keys of the summary
  std::vector<const char*> json_arrays;   // array keys of the summary
  std::vector<const char*> datasets;      // float64 datasets of the result group
};

}  // namespace

TEST_CASE("eigen, trace, diag, density on 2 and 3 ranks equal one process, shards unequal") {
  ScratchDir dir;
  const std::vector<Compared> cases = {
      {"eigen", {"--k", "4", "--which", "both"}, {}, {"eigenvalues"}, {"eigenvalues"}},
      // The default method: the exact GGN trace plus Hutchinson on H − G (a control variate).
      {"trace", {"--probes", "40", "--min-probes", "40"}, {"trace", "ggn_trace", "stderr"}, {}, {}},
      {"trace",
       {"--method", "hutchinson", "--probes", "40", "--min-probes", "40"},
       {"trace", "frobenius_norm_squared"},
       {},
       {}},
      {"diag", {"--probes", "20"}, {"trace"}, {}, {"diagonal"}},
      {"diag", {"--curvature", "ggn", "--exact"}, {"trace"}, {}, {"diagonal"}},
      {"density",
       {"--runs", "2", "--steps", "12"},
       {"lambda_min", "lambda_max"},
       {},
       {"density", "nodes", "weights"}},
  };
  for (const char* arch : {"mlp:4-6-3:tanh", "cnn:1x6x6-c3k3-pool2-4:tanh"}) {
    for (const Compared& c : cases) {
      // The CNN for the Lanczos-based commands only (bounded test time).
      const bool cnn = std::string(arch).starts_with("cnn");
      if (cnn && std::string(c.command) != "eigen" && std::string(c.command) != "density") continue;
      std::string what = std::string(arch) + " " + c.command;
      for (const std::string& f : c.flags) what += " " + f;
      CAPTURE(what);
      std::vector<std::string> command{c.command};
      command.insert(command.end(), c.flags.begin(), c.flags.end());
      const std::vector<std::string> a = args(command, arch);
      const CliRun serial = run_hessian(with_out(a, "serial.h5"), dir.path());
      REQUIRE_MESSAGE(serial.code == 0, serial.err);
      const JsonValue want = parse_json(serial.out);
      const ResultReader want_file(dir.file("serial.h5"));
      for (int ranks : {2, 3}) {
        CAPTURE(ranks);
        const std::string out = "ranks" + std::to_string(ranks) + ".h5";
        const CliRun r = run_hessian_ranks(ranks, with_out(a, out), dir.path());
        REQUIRE_MESSAGE(r.code == 0, r.err);
        CHECK(r.err == serial.err);               // warnings too, printed once
        const JsonValue got = parse_json(r.out);  // printed once: by rank 0
        CHECK(got["ranks"].number() == ranks);
        for (const char* key : c.json_numbers) {
          const std::string k = key;
          CAPTURE(k);
          check_close({got[key].number()}, {want[key].number()});
        }
        for (const char* key : c.json_arrays) check_close(got[key].numbers(), want[key].numbers());
        const ResultReader got_file(dir.file(out));
        const ResultGroupView g = got_file.group(c.command);
        CHECK(g.metadata().ranks == ranks);
        CHECK(want_file.group(c.command).metadata().ranks == 1);
        for (const char* name : c.datasets) {
          const std::string n = name;
          CAPTURE(n);
          check_close(g.values(name), want_file.group(c.command).values(name));
        }
      }
    }
  }
  // Only rank 0 wrote: nothing but the result files in the folder.
  CHECK(list_files(dir.path()) == std::set<std::string>{"serial.h5", "ranks2.h5", "ranks3.h5"});
}

TEST_CASE("more ranks than batches and than samples: idle ranks, the serial result") {
  ScratchDir dir;
  // 2 samples: one batch; with 3 ranks, rank 0 has no sample, ranks 1 and 2 one each.
  const std::vector<std::string> a = args({"eigen", "--k", "2"}, "mlp:4-6-3:tanh", "2");
  const CliRun serial = run_hessian(a, dir.path());
  REQUIRE_MESSAGE(serial.code == 0, serial.err);
  const CliRun r = run_hessian_ranks(3, a, dir.path());
  REQUIRE_MESSAGE(r.code == 0, r.err);
  check_close(parse_json(r.out)["eigenvalues"].numbers(),
              parse_json(serial.out)["eigenvalues"].numbers());
}

TEST_CASE("every product-making command runs on 2 ranks and records ranks") {
  ScratchDir dir;
  const std::vector<std::vector<std::string>> commands = {
      {"sharpness"},
      {"roughness", "--points", "5"},
      {"sensitivity", "--bits", "4,8"},
      {"report", "--k", "2", "--probes", "8", "--runs", "1", "--steps", "8"},
  };
  for (const auto& c : commands) {
    const std::string command = c[0];
    CAPTURE(command);
    const CliRun r = run_hessian_ranks(2, with_out(args(c, "mlp:4-6-3:tanh"), "r.h5"), dir.path());
    REQUIRE_MESSAGE(r.code == 0, r.err);
    CHECK(parse_json(r.out)["ranks"].number() == 2);
    const ResultReader f(dir.file("r.h5"));
    for (const std::string& g : f.groups()) {
      CAPTURE(g);
      CHECK(f.group(g).metadata().ranks == 2);
    }
  }
  const CliRun info =
      run_hessian_ranks(2, args({"info", "--timing"}, "mlp:4-6-3:tanh"), dir.path());
  CHECK_MESSAGE(info.code == 0, info.err);
}

TEST_CASE("a data file missing on one rank only: rank 0's one-line error, every rank ends") {
  ScratchDir dir;
  const std::string a = dir.file("a"), b = dir.file("b");
  std::filesystem::create_directories(a);
  std::filesystem::create_directories(b);
  std::filesystem::copy_file(bundled_sample("digits.h5"), a + "/d.h5");
  const std::vector<std::string> command = {
      hessian_binary(), "trace",          "--model",   bundled_sample("digits-mlp.h5"),
      "--data",         "d.h5",           "--samples", "100",
      "--out",          dir.file("t.h5"), "--threads", "1"};
  std::vector<std::string> line = {"-np", "1", "-wdir", a};
  line.insert(line.end(), command.begin(), command.end());
  for (const std::string& s :
       {std::string(":"), std::string("-np"), std::string("1"), std::string("-wdir"), b})
    line.push_back(s);
  line.insert(line.end(), command.begin(), command.end());
  const CliRun r = run_mpirun(line, dir.path());
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(is_one_error_line(r));
  CHECK(r.err.rfind("hessian: error: rank 1: d.h5: ", 0) == 0);
  CHECK_FALSE(file_exists(dir.file("t.h5")));
  CHECK_FALSE(temporary_left(dir.file("t.h5")));
}

TEST_CASE("a usage error under mpirun: one line, exit 2, nothing written") {
  ScratchDir dir;
  const CliRun r = run_hessian_ranks(
      3, with_out(args({"trace", "--probes", "1"}, "mlp:4-6-3:tanh"), "t.h5"), dir.path());
  CHECK(r.code == 2);
  CHECK(is_one_error_line(r));
  CHECK(r.err.find("--probes") != std::string::npos);
  CHECK(list_files(dir.path()).empty());
}
