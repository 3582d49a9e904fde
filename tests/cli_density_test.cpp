// `hessian density` run as a program on a small --arch model (P = 51): with P Lanczos steps the
// quadrature is exact, so the extreme nodes are the dense Hessian's extreme eigenvalues; the
// density integrates to 1; the raw and robust negative masses match the dense fractions within
// their sampling error; nodes and weights in the result file; bad input.
#include <doctest/doctest.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>

#include "analyzers/density.h"
#include "io/result_reader.h"
#include "support/dense_reference.h"
#include "support/json_value.h"
#include "support/spectral_cli.h"

using namespace hess;
using namespace hess::test;

TEST_CASE("density --json: exact extreme nodes with P steps, unit mass, negative mass") {
  ScratchDir dir;
  const DenseReference ref = dense_reference(spectral_options(), Curvature::Hessian);
  const Eigen::VectorXd ev = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(ref.H).eigenvalues();
  const double scale = std::max(std::abs(ev(0)), std::abs(ev(ev.size() - 1)));
  const JsonValue j = parse_json(
      run_ok(dir, spectral_args({"density", "--runs", "4", "--steps", "51", "--json"})).out);
  for (const char* key :
       {"grid", "density", "nodes", "weights", "hvps", "seconds", "negative_mass_below_zero",
        "negative_mass_beyond", "negative_mass_beyond_stderr", "negative_threshold"}) {
    CAPTURE(key);
    CHECK(j.has(key));
  }
  CHECK(std::abs(j["lambda_max"].number() - ev(ev.size() - 1)) < 1e-8 * scale);
  CHECK(std::abs(j["lambda_min"].number() - ev(0)) < 1e-8 * scale);
  REQUIRE(j["nodes"].items.size() == 4);
  for (const JsonValue& w : j["weights"].items) {
    double sum = 0;
    for (double x : w.numbers()) sum += x;
    CHECK(std::abs(sum - 1.0) < 1e-10);
  }
  // Trapezoid integral of the smoothed density over the grid.
  const std::vector<double> grid = j["grid"].numbers(), rho = j["density"].numbers();
  double mass = 0;
  for (size_t i = 1; i < grid.size(); ++i)
    mass += 0.5 * (rho[i] + rho[i - 1]) * (grid[i] - grid[i - 1]);
  CHECK(std::abs(mass - 1.0) < 1e-6);
  // Negative mass: the fraction of negative eigenvalues, up to the sampling error of 4 runs.
  const double negative =
      static_cast<double>((ev.array() < 0).count()) / static_cast<double>(ev.size());
  CHECK(std::abs(j["negative_mass_below_zero"].number() - negative) <=
        4 * j["negative_mass_below_zero_stderr"].number() + 1e-12);
  // The robust negative mass: the fraction below −ε·λmax (every run's largest node is λmax here).
  const double epsilon = j["negative_threshold"].number();
  CHECK(epsilon == kDefaultNegativeThreshold);
  const double beyond = static_cast<double>((ev.array() < -epsilon * ev(ev.size() - 1)).count()) /
                        static_cast<double>(ev.size());
  CHECK(std::abs(j["negative_mass_beyond"].number() - beyond) <=
        4 * j["negative_mass_beyond_stderr"].number() + 1e-12);
  CHECK(j["negative_mass_beyond"].number() <= j["negative_mass_below_zero"].number());

  ResultReader reader(dir.file("results.h5"));
  const ResultGroupView g = reader.group("density");
  // (runs, steps) arrays; a run that found an invariant subspace early is padded with NaN.
  std::vector<int64_t> steps;
  for (const JsonValue& n : j["nodes"].items) steps.push_back(static_cast<int64_t>(n.items.size()));
  CHECK(g.ints("steps") == steps);
  const int64_t width = *std::max_element(steps.begin(), steps.end());
  CHECK(width <= kSpectralParams);
  CHECK(g.array("nodes").shape == Shape{4, width});
  CHECK(g.array("weights").shape == Shape{4, width});
  CHECK(g.values("grid").size() == grid.size());
  CHECK(g.metadata().hvps == static_cast<int64_t>(j["hvps"].number()));
  CHECK(std::get<double>(g.h5().attr("negative_mass_beyond")) ==
        j["negative_mass_beyond"].number());
  CHECK(std::get<double>(g.h5().attr("negative_threshold")) == epsilon);
}

TEST_CASE("density --negative-threshold 0: the robust negative mass is the raw one") {
  ScratchDir dir;
  const JsonValue j =
      parse_json(run_ok(dir, spectral_args({"density", "--runs", "3", "--steps", "20",
                                            "--negative-threshold", "0", "--json"}))
                     .out);
  CHECK(j["negative_mass_below_zero"].number() > 0.0);
  CHECK(j["negative_mass_beyond"].number() == j["negative_mass_below_zero"].number());
  CHECK(j["negative_mass_beyond_stderr"].number() == j["negative_mass_below_zero_stderr"].number());
}

TEST_CASE("density: bad input") {
  ScratchDir dir;
  check_error(dir, spectral_args({"density", "--runs", "0"}), 2,
              "--runs must be at least 1 (got 0)");
  check_error(dir, spectral_args({"density", "--sigma", "-1"}), 2, "--sigma must be positive");
  check_error(dir, spectral_args({"density", "--negative-threshold", "-0.1"}), 2,
              "--negative-threshold must be non-negative");
  write_overflowing_inputs(dir);
  check_error(dir, {"density", "--model", "big.h5", "--data", "d.h5"}, 1, "density: ");
}
