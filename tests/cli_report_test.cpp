// `hessian report` run as a program: with no arguments, on the bundled sample found under data/ in
// the working directory, it writes results.h5 (eigen, trace, density, report groups), report.md and
// report.html (the figures);
// its top eigenvalue is `hessian eigen`'s; without the sample it fails naming the file.
#include <doctest/doctest.h>

#include <cstdlib>

#include <cmath>
#include <filesystem>
#include <limits>

#include "analyzers/density.h"
#include "io/result_reader.h"
#include "support/json_value.h"
#include "support/spectral_cli.h"

using namespace hess;
using namespace hess::test;

TEST_CASE("report with no arguments analyses data/ and writes results.h5, report.md, report.html") {
  ScratchDir dir;
  std::filesystem::create_directory(dir.file("data"));
  for (const char* f : {"digits.h5", "digits-mlp.h5"}) {
    std::filesystem::copy_file(std::string(HESS_SOURCE_DIR) + "/data/" + f,
                               dir.file("data") + "/" + f);
  }
  const CliRun r = run_ok(dir, {"report", "--threads", "2"});
  CHECK(r.out.find("lambda_1") != std::string::npos);
  CHECK(r.out.find("trace fc1") != std::string::npos);
  CHECK(r.out.find("negative mass") != std::string::npos);

  const std::string md = read_bytes(dir.file("report.md"));
  CHECK(md.rfind("# Curvature report\n", 0) == 0);
  CHECK(md.find("| quantity | value | detail |") != std::string::npos);
  CHECK(md.find("| lambda_5 |") != std::string::npos);
  CHECK(md.find("data/digits-mlp.h5") != std::string::npos);
  CHECK(md.find("below -0.001 lambda_max; raw (below 0) ") != std::string::npos);

  ResultReader reader(dir.file("results.h5"));
  for (const char* g : {"eigen", "trace", "density", "report"}) {
    CAPTURE(g);
    const ResultMetadata m = reader.group(g).metadata();
    CHECK(m.model_sha256.size() == 64);
    CHECK(m.samples == 1797);
    CHECK(m.command_line == "hessian report --threads 2");
  }
  CHECK(reader.group("report").h5().string_attr("markdown") == md);

  // report.html beside report.md: the summary table and the figures of eigen (1), density (2)
  // and trace (1), inline, self-contained
  const std::string html = read_bytes(dir.file("report.html"));
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<td>lambda_5</td>") != std::string::npos);
  size_t svgs = 0;
  for (size_t at = html.find("<svg "); at != std::string::npos; at = html.find("<svg ", at + 1))
    ++svgs;
  CHECK(svgs == 4);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find(reader.group("eigen").metadata().model_sha256) != std::string::npos);
  const std::vector<double> top = reader.group("eigen").values("eigenvalues");
  REQUIRE(top.size() == 5);
  // Per-layer Hutch++ traces are separate estimates of the diagonal blocks: their sum is near the
  // total.
  const std::vector<double> layers = reader.group("trace").values("layer_traces");
  const double total = std::get<double>(reader.group("trace").h5().attr("trace"));
  CHECK(std::abs(layers[0] + layers[1] - total) < 0.1 * std::abs(total));

  // The robust negative mass from the saved nodes and weights: per run, the weight below −ε times
  // the run's largest node (rows padded with NaN after an early stop), averaged over runs.
  const ResultGroupView density = reader.group("density");
  const double epsilon = std::get<double>(density.h5().attr("negative_threshold"));
  CHECK(epsilon == kDefaultNegativeThreshold);
  const ResultArray nodes = density.array("nodes");
  const std::vector<double> weights = density.values("weights");
  const int64_t runs = nodes.shape[0], width = nodes.shape[1];
  double beyond = 0.0;
  for (int64_t run = 0; run < runs; ++run) {
    double top = -std::numeric_limits<double>::infinity();
    for (int64_t k = 0; k < width; ++k) top = std::fmax(top, nodes.values[run * width + k]);
    for (int64_t k = 0; k < width; ++k) {
      if (nodes.values[run * width + k] < -epsilon * top) beyond += weights[run * width + k];
    }
  }
  beyond /= static_cast<double>(runs);
  const double reported = std::get<double>(density.h5().attr("negative_mass_beyond"));
  CHECK(reported == doctest::Approx(beyond).epsilon(1e-12));
  CHECK(reported <= std::get<double>(density.h5().attr("negative_mass_below_zero")));

  // The same eigenvalue from `hessian eigen` on the same files.
  const JsonValue e =
      parse_json(run_ok(dir, {"eigen", "--model", "data/digits-mlp.h5", "--data", "data/digits.h5",
                              "--k", "1", "--out", "e.h5", "--json"})
                     .out);
  CHECK(std::abs(e["eigenvalues"].numbers()[0] - top[0]) < 1e-8 * std::abs(top[0]));
}

TEST_CASE("report without the bundled sample: exit 1 naming the file") {
  // A program in its build tree falls back on the source tree's data/ (tests/install_test.sh runs
  // an installed one); $HESS_SAMPLE_DIR naming a folder without the sample is the way to miss it.
  ScratchDir dir;
  setenv("HESS_SAMPLE_DIR", dir.path().c_str(), 1);
  check_error(
      dir, {"report"}, 1,
      dir.file("digits-mlp.h5") + ": no such file (the bundled sample, in $HESS_SAMPLE_DIR)");
  unsetenv("HESS_SAMPLE_DIR");
  CHECK(!file_exists(dir.file("report.md")));
  CHECK(!file_exists(dir.file("report.html")));
  CHECK(!file_exists(dir.file("results.h5")));
}
