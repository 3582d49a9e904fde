// `hessian report` run as a program: with no arguments, on the bundled sample found under data/ in
// the working directory, it writes results.h5 (eigen, trace, density, report groups), report.md and
// report.html (the figures);
// its top eigenvalues are `hessian eigen`'s in float64, to float32's accuracy; its notes in words
// quote its JSON's numbers; without the sample it fails naming the file.
#include <doctest/doctest.h>

#include <cstdlib>

#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "analyzers/density.h"
#include "io/result_reader.h"
#include "support/json_value.h"
#include "support/spectral_cli.h"

using namespace hess;
using namespace hess::test;

namespace {

// Relative difference of a float32 eigenvalue from float64's that the report may show (issue 11
// asks top eigenvalues within 1e-6 of float64's; the sample's are 3e-7 off at 256 samples a batch).
constexpr double kFloat32Eigenvalue = 1e-6;

}  // namespace

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
  // The per-layer traces come from the same work as the total (the trace command's default method,
  // here the exact GGN trace plus Hutchinson on H − GGN): the layers partition the parameters, so
  // they sum to the total.
  const std::vector<double> layers = reader.group("trace").values("layer_traces");
  const double total = std::get<double>(reader.group("trace").h5().attr("trace"));
  CHECK(reader.group("trace").h5().string_attr("method") == "control-variate");
  CHECK(std::abs(layers[0] + layers[1] - total) <= 1e-9 * std::abs(total));

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

  // The same eigenvalues as `hessian eigen` in float64 on the same files, within float32's accuracy
  // (the report's passes are float32): the eigensolver continued SLQ's first run (60 Lanczos
  // vectors) and made fewer products than `hessian eigen` from its own start.
  const JsonValue e =
      parse_json(run_ok(dir, {"eigen", "--model", "data/digits-mlp.h5", "--data", "data/digits.h5",
                              "--k", "5", "--precision", "f64", "--out", "e.h5", "--json"})
                     .out);
  const std::vector<double> reference = e["eigenvalues"].numbers();
  REQUIRE(reference.size() == 5);
  for (size_t i = 0; i < 5; ++i) {
    CAPTURE(i);
    CHECK(std::abs(reference[i] - top[i]) < kFloat32Eigenvalue * std::abs(reference[i]));
  }
  CHECK(reader.group("eigen").h5().int_attr("start_columns") == 60);
  CHECK(reader.group("eigen").metadata().hvps < e["hvps"].number());
}

namespace {

// The notes quote numbers to 3 significant digits: within half a unit of the third digit.
constexpr double kQuoted = 5e-3;

// The number after the first `prefix` in `text` (grouping commas dropped); NaN when absent.
double quoted(const std::string& text, const std::string& prefix) {
  const size_t at = text.find(prefix);
  if (at == std::string::npos) return std::numeric_limits<double>::quiet_NaN();
  std::string digits;
  for (size_t i = at + prefix.size(); i < text.size(); ++i) {
    const char c = text[i];
    if (c == ',' && i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1])))
      continue;
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != 'e' &&
        c != '+')
      break;
    digits += c;
  }
  return std::strtod(digits.c_str(), nullptr);
}

void check_quoted(const std::string& note, const std::string& prefix, double want) {
  CAPTURE(note);
  CAPTURE(prefix);
  CHECK(std::abs(quoted(note, prefix) - want) <= kQuoted * std::abs(want) + 1e-12);
}

}  // namespace

TEST_CASE(
    "report explains its numbers in words, quoting the JSON's values; prints where files went") {
  ScratchDir dir;
  const std::vector<std::string> args = {"report",
                                         "--model",
                                         bundled_sample("digits-mlp.h5"),
                                         "--data",
                                         bundled_sample("digits.h5"),
                                         "--samples",
                                         "100",
                                         "--k",
                                         "2",
                                         "--runs",
                                         "3",
                                         "--steps",
                                         "20",
                                         "--probes",
                                         "30",
                                         "--threads",
                                         "1",
                                         "--out",
                                         "r.h5"};
  std::vector<std::string> with_json = args;
  with_json.push_back("--json");
  const JsonValue j = parse_json(run_ok(dir, with_json).out);
  const JsonValue& notes = j["notes"];
  REQUIRE(notes.items.size() == 4);
  const JsonValue& d = j["density"];

  const std::string& rank = notes.items[0].text;
  check_quoted(rank, "λmax = ", j["lambda_max"].number());
  check_quoted(rank, "of the trace ", j["trace"].number());
  check_quoted(rank, "is ", 100 * j["lambda_max"].number() / j["trace"].number());
  check_quoted(rank, "tr/λmax = ", j["trace"].number() / j["lambda_max"].number());

  const std::string& convex = notes.items[1].text;
  REQUIRE(d["lambda_min"].number() < 0);
  check_quoted(convex, "λmax/|λmin| = ", d["max_over_min"].number());
  check_quoted(convex, "SLQ nodes λmax = ", d["lambda_max"].number());
  check_quoted(convex, "λmin = ", d["lambda_min"].number());
  CHECK(convex.find(d["max_over_min"].number() >= 10 ? "nearly convex" : "near a saddle") !=
        std::string::npos);

  const std::string& negative = notes.items[2].text;
  REQUIRE(d["negative_mass_beyond"].number() > 0);
  check_quoted(negative, "Negative spectral mass ", d["negative_mass_beyond"].number());
  check_quoted(negative, "± ", d["negative_mass_beyond_stderr"].number());
  check_quoted(negative, "about ",
               std::round(d["negative_mass_beyond"].number() * j["parameters"].number()));
  check_quoted(negative, "below -", d["negative_threshold"].number());
  check_quoted(negative, "λmax = ", -d["negative_threshold"].number() * d["lambda_max"].number());
  check_quoted(negative, "below 0 gives ", d["negative_mass_below_zero"].number());

  const std::string& shares = notes.items[3].text;
  double sum = 0;
  for (const std::string& layer : j["per_layer"].keys())
    sum += j["per_layer"][layer]["trace"].number();
  check_quoted(shares, "their sum ", sum);
  for (const std::string& layer : j["per_layer"].keys()) {
    const JsonValue& l = j["per_layer"][layer];
    const size_t from = shares.find(" " + layer + " ");
    REQUIRE(from != std::string::npos);
    const std::string part =
        shares.substr(from, shares.find(')', from) - from);  // " fc1 94.1 % (86.3 %"
    check_quoted(part, " " + layer + " ", 100 * l["trace"].number() / sum);
    check_quoted(part, "(", 100 * l["size"].number() / j["parameters"].number());
  }

  // The same run without --json prints the same sentences beside the table, and the full paths;
  // report.md has them under its own heading.
  const CliRun text = run_ok(dir, args);
  const std::string md = read_bytes(dir.file("report.md"));
  CHECK(md.find("\n## What the numbers say\n") != std::string::npos);
  for (const JsonValue& n : notes.items) {
    CHECK(text.out.find(n.text + "\n") != std::string::npos);
    CHECK(md.find("- " + n.text + "\n") != std::string::npos);
  }
  const std::string root = std::filesystem::absolute(dir.path()).lexically_normal().string();
  CHECK(j["written"].items.size() == 3);
  CHECK(j["written"].items[0].text == root + "/r.h5");
  CHECK(j["written"].items[1].text == root + "/report.md");
  CHECK(j["written"].items[2].text == root + "/report.html");
  CHECK(text.out.find("\nresults  " + root + "/r.h5\n") != std::string::npos);
  CHECK(text.out.find("\nreport   " + root + "/report.md\n") != std::string::npos);
  CHECK(text.out.find("\nhtml     " + root + "/report.html\n") != std::string::npos);
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
