// analyzers/density: stochastic Lanczos quadrature against the dense spectrum of a real MLP Hessian
// and of explicit matrices: quadrature moments, normalisation of the smoothed density, no ghost
// copies of outliers, negative mass (raw and beyond −ε·λmax), breakdown, LLA's criteria, option
// checks.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "analyzers/density.h"
#include "analyzers/running_mean.h"
#include "support/curvature_fixture.h"
#include "support/fd_check.h"
#include "support/rejection.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr double kSigmas = 3.0;        // statistical checks: within 3 standard errors
constexpr double kMomentSigmas = 4.0;  // four correlated moments checked at once

DensityOptions slq(int runs, int steps, uint64_t seed = 0) {
  DensityOptions o;
  o.runs = runs;
  o.steps = steps;
  o.seed = seed;
  return o;
}

// Nodes within `tol` (relative) of `lambda` in one run, and those of them weighing more than 1e-3.
struct NearCount {
  int nodes = 0;
  int heavy = 0;
};
NearCount near(const Eigen::VectorXd& nodes, const Eigen::VectorXd& weights, double lambda,
               double tol) {
  NearCount c;
  for (Eigen::Index k = 0; k < nodes.size(); ++k) {
    if (std::abs(nodes(k) - lambda) <= tol * std::abs(lambda)) {
      ++c.nodes;
      if (weights(k) > 1e-3) ++c.heavy;
    }
  }
  return c;
}

// m steps of Lanczos *without* reorthogonalisation from q (the negative control of the ghost test).
void plain_lanczos(const Eigen::MatrixXd& A, Eigen::VectorXd q, int m, Eigen::VectorXd& nodes,
                   Eigen::VectorXd& weights) {
  q.normalize();
  Eigen::VectorXd previous = Eigen::VectorXd::Zero(q.size());
  Eigen::VectorXd alpha(m), beta(m - 1);
  for (int j = 0; j < m; ++j) {
    Eigen::VectorXd w = A * q - (j > 0 ? beta(j - 1) : 0.0) * previous;
    alpha(j) = q.dot(w);
    w -= alpha(j) * q;
    if (j + 1 == m) break;
    beta(j) = w.norm();
    previous = q;
    q = w / beta(j);
  }
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es;
  es.computeFromTridiagonal(alpha, beta, Eigen::ComputeEigenvectors);
  nodes = es.eigenvalues();
  weights = es.eigenvectors().row(0).transpose().array().square();
}

}  // namespace

TEST_CASE("SLQ on MLP and CNN Hessians: normalised quadratures, a density integrating to 1") {
  for (const TestModel& model : kTestModels) {
    for (Precision precision : {Precision::F64, Precision::F32}) {
      INFO("model ", model.name);
      CAPTURE(name_of(precision));
      const ModelProblem p = model.make(precision);
      const DensityResult r = run(slq(10, 80), *p.hessian);
      CHECK(r.status == Status::Ok);
      CHECK(r.hvps == 10 * 80);
      REQUIRE(r.nodes.size() == 10);
      const double lo = p.eigenvalues.minCoeff(), hi = p.eigenvalues.maxCoeff();
      for (size_t run = 0; run < r.nodes.size(); ++run) {
        CHECK(r.steps[run] == 80);
        CHECK(r.weights[run].sum() == doctest::Approx(1.0).epsilon(1e-12));
        CHECK(r.weights[run].minCoeff() >= 0.0);
        // Ritz values lie inside the spectrum.
        CHECK(r.nodes[run].minCoeff() >= lo - 1e-6 * (hi - lo));
        CHECK(r.nodes[run].maxCoeff() <= hi + 1e-6 * (hi - lo));
      }
      // The extreme eigenvalues converge within 80 steps.
      CHECK(r.lambda_max == doctest::Approx(hi).epsilon(1e-6));
      CHECK(r.lambda_min == doctest::Approx(lo).epsilon(1e-6));
      CHECK(r.max_over_min == doctest::Approx(hi / std::abs(lo)).epsilon(1e-5));

      CHECK(std::abs(r.integral - 1.0) < 1e-6);
      CHECK(r.mass_outside < 1e-12);
      CHECK(r.sigma == doctest::Approx(0.01 * (r.lambda_max - r.lambda_min)));
      CHECK(r.grid.size() == 1000);
      CHECK(r.grid(0) == doctest::Approx(r.lambda_min - 8.0 * r.sigma));
      CHECK(r.grid(999) == doctest::Approx(r.lambda_max + 8.0 * r.sigma));
      CHECK(r.density.minCoeff() >= 0.0);
    }
  }
}

TEST_CASE("the coarsest grid validate() accepts still integrates to 1") {
  const DenseOperator A(matrix_with_spectrum(Eigen::VectorXd::LinSpaced(200, -1.0, 3.0), 2));
  DensityOptions o = slq(3, 30);
  o.sigma = 0.01;
  o.grid = 117;  // step = σ exactly
  const DensityResult r = run(o, A);
  CHECK(r.grid(1) - r.grid(0) == doctest::Approx(r.sigma).epsilon(1e-6));
  CHECK(std::abs(r.integral - 1.0) < 1e-6);
  o.grid = 116;
  CHECK(names_field(rejection(o, A), "grid"));
}

TEST_CASE("quadrature moments match tr(H^j)/P within their sampling error") {
  for (const TestModel& model : kTestModels) {
    const ModelProblem p = model.make(Precision::F64);
    for (ProbeKind start : {ProbeKind::Rademacher, ProbeKind::Gaussian}) {
      INFO("model ", model.name);
      CAPTURE(name_of(start));
      DensityOptions o = slq(24, 40, 7);
      o.start = start;
      const DensityResult r = run(o, *p.hessian);
      for (int j = 1; j <= 4; ++j) {
        CAPTURE(j);
        RunningMean<double> moment(0.0);
        for (size_t run = 0; run < r.nodes.size(); ++run) {
          moment.add((r.weights[run].array() * r.nodes[run].array().pow(j)).sum());
        }
        const double exact = p.eigenvalues.array().pow(j).mean();
        CHECK(std::abs(moment.mean() - exact) < kMomentSigmas * moment.std_error());
      }
    }
  }
}

TEST_CASE("full reorthogonalisation: one Ritz node per simple outlier, no ghost copies") {
  Eigen::VectorXd spectrum = Eigen::VectorXd::LinSpaced(500, -1.0, 1.0);
  spectrum(499) = 100.0;  // simple, far outliers: Lanczos without reorthogonalisation ghosts them
  spectrum(498) = 30.0;
  spectrum(497) = 10.0;
  const Eigen::MatrixXd M = matrix_with_spectrum(spectrum, 3);
  constexpr double kNear = 1e-6;
  const DensityResult r = run(slq(8, 80), DenseOperator(M));
  for (size_t run = 0; run < r.nodes.size(); ++run) {
    CAPTURE(run);
    for (double outlier : {100.0, 30.0, 10.0}) {
      const NearCount c = near(r.nodes[run], r.weights[run], outlier, kNear);
      CHECK(c.nodes == 1);
      CHECK(c.heavy <= 1);
    }
  }
  // The check can fail: the same matrix without reorthogonalisation shows copies of λmax.
  Eigen::VectorXd nodes, weights;
  plain_lanczos(M, random_vector(500, 1), 80, nodes, weights);
  CHECK(near(nodes, weights, 100.0, kNear).nodes >= 2);
}

TEST_CASE("negative mass matches the dense spectrum's fraction below a level") {
  // The negative mass of H − σI is the fraction of H's eigenvalues below σ. (At σ = 0 this MLP has
  // 62% of its eigenvalues within 1% of the spectrum's width around 0, which 80 quadrature nodes do
  // not resolve: docs/algorithms.md.)
  const ModelProblem p = indefinite_mlp();
  for (double level : {-0.1, 0.1}) {
    CAPTURE(level);
    const ShiftedOperator S(*p.hessian, level);
    const DensityResult r = run(slq(20, 80, 2), S);
    const double exact = (p.eigenvalues.array() < level).cast<double>().mean();
    CHECK(std::abs(r.negative_mass - exact) < kSigmas * r.negative_mass_std_error);
  }
  // A spectrum with a gap around zero: a third negative.
  Eigen::VectorXd spectrum(600);
  spectrum.head(200) = Eigen::VectorXd::LinSpaced(200, -1.0, -0.2);
  spectrum.tail(400) = Eigen::VectorXd::LinSpaced(400, 0.1, 2.0);
  const DensityResult r = run(slq(20, 80, 3), DenseOperator(matrix_with_spectrum(spectrum, 4)));
  CHECK(std::abs(r.negative_mass - 1.0 / 3.0) < kSigmas * r.negative_mass_std_error);
}

TEST_CASE("robust negative mass: the fraction below -eps*lambda_max despite a bulk around 0") {
  // 100 of 600 eigenvalues clearly negative, a bulk of 350 in [−1e-3, 3e-3] (a quarter of it below
  // 0), 150 clearly positive up to λmax = 5. The bulk spans 0.07% of the width: SLQ lumps it onto
  // nodes near 0 whose signs do not follow the bulk's, so the raw negative mass misses.
  Eigen::VectorXd spectrum(600);
  spectrum.head(100) = Eigen::VectorXd::LinSpaced(100, -1.0, -0.2);
  spectrum.segment(100, 350) = Eigen::VectorXd::LinSpaced(350, -1e-3, 3e-3);
  spectrum.tail(150) = Eigen::VectorXd::LinSpaced(150, 0.5, 5.0);
  const DenseOperator A(matrix_with_spectrum(spectrum, 10));
  const DensityResult r = run(slq(20, 80, 11), A);
  const double lambda_max = spectrum.maxCoeff();
  const double exact =
      (spectrum.array() < -kDefaultNegativeThreshold * lambda_max).cast<double>().mean();
  const double exact_raw = (spectrum.array() < 0.0).cast<double>().mean();
  MESSAGE("negative mass beyond " << r.negative_mass_beyond << " ± "
                                  << r.negative_mass_beyond_std_error << " (exact " << exact
                                  << "); raw " << r.negative_mass << " ± "
                                  << r.negative_mass_std_error << " (exact " << exact_raw << ")");
  CHECK(r.negative_mass_beyond_std_error > 0.0);
  CHECK(std::abs(r.negative_mass_beyond - exact) < kSigmas * r.negative_mass_beyond_std_error);
  // The case is hard: the raw figure is far from the fraction below 0 (0.46 against 0.31).
  CHECK(std::abs(r.negative_mass - exact_raw) > kSigmas * r.negative_mass_std_error);
  // Never more than the raw figure: the cut is at or below 0 in every run.
  CHECK(r.negative_mass_beyond <= r.negative_mass);

  // The definition, run by run: each run's cut is −ε times its own largest node.
  constexpr double kThreshold = 0.05;
  DensityOptions o = slq(6, 40, 12);
  o.negative_threshold = kThreshold;
  const DensityResult s = run(o, A);
  RunningMean<double> beyond(0.0);
  for (size_t run = 0; run < s.nodes.size(); ++run) {
    const double cut = -kThreshold * s.nodes[run].maxCoeff();
    double mass = 0.0;
    for (Eigen::Index k = 0; k < s.nodes[run].size(); ++k) {
      if (s.nodes[run](k) < cut) mass += s.weights[run](k);
    }
    beyond.add(mass);
  }
  CHECK(s.negative_mass_beyond == doctest::Approx(beyond.mean()).epsilon(1e-12));
  CHECK(s.negative_mass_beyond_std_error == doctest::Approx(beyond.std_error()).epsilon(1e-12));
}

TEST_CASE("robust negative mass with threshold 0 is the negative mass exactly") {
  const ModelProblem p = indefinite_mlp();
  DensityOptions o = slq(8, 60, 13);
  o.negative_threshold = 0.0;
  const DensityResult r = run(o, *p.hessian);
  CHECK(r.negative_mass > 0.0);
  CHECK(r.negative_mass_beyond == r.negative_mass);
  CHECK(r.negative_mass_beyond_std_error == r.negative_mass_std_error);
  // A negative definite operator: every node counts, whatever the threshold.
  const DenseOperator N(matrix_with_spectrum(Eigen::VectorXd::LinSpaced(80, -3.0, -1.0), 14));
  o.negative_threshold = 0.5;
  CHECK(run(o, N).negative_mass_beyond == doctest::Approx(1.0).epsilon(1e-12));
}

TEST_CASE("a smoothed density with a wide kernel matches the smoothed dense spectrum") {
  const ModelProblem p = indefinite_mlp();
  DensityOptions o = slq(30, 80, 5);
  o.sigma = 0.05;
  const DensityResult r = run(o, *p.hessian);
  // The same Gaussian kernel on the exact eigenvalues, on the same grid.
  Eigen::VectorXd exact = Eigen::VectorXd::Zero(r.grid.size());
  for (double lambda : p.eigenvalues) {
    const Eigen::ArrayXd z = (r.grid.array() - lambda) / r.sigma;
    exact.array() += (-0.5 * z.square()).exp() /
                     (r.sigma * std::sqrt(2.0 * std::numbers::pi) * p.eigenvalues.size());
  }
  const double h = r.grid(1) - r.grid(0);
  const double l1 = (r.density - exact).cwiseAbs().sum() * h;
  MESSAGE("L1 distance to the smoothed dense spectrum: " << l1);
  CHECK(l1 < 0.03);
}

TEST_CASE("an invariant Krylov space stops a run early with an exact quadrature") {
  // Five distinct eigenvalues: every run breaks down after five steps.
  Eigen::VectorXd spectrum(50);
  for (int i = 0; i < 50; ++i) spectrum(i) = -2.0 + (i % 5);
  const DenseOperator A(matrix_with_spectrum(spectrum, 6));
  const DensityResult r = run(slq(4, 30), A);
  CHECK(r.status == Status::Ok);
  CHECK(r.hvps == 4 * 5);
  for (size_t run = 0; run < r.nodes.size(); ++run) {
    CHECK(r.steps[run] == 5);
    for (int k = 0; k < 5; ++k) CHECK(r.nodes[run](k) == doctest::Approx(-2.0 + k).epsilon(1e-10));
  }
  // Steps beyond P are capped.
  const DenseOperator B(matrix_with_spectrum(Eigen::VectorXd::LinSpaced(12, 1.0, 3.0), 7));
  const DensityResult small = run(slq(2, 80), B);
  CHECK(small.steps[0] == 12);
  CHECK(small.hvps == 2 * 12);
}

TEST_CASE("the first run's Lanczos decomposition: H Q = Q T + w e_m^T, T's nodes the run's") {
  const Eigen::MatrixXd M = matrix_with_spectrum(Eigen::VectorXd::LinSpaced(150, -1.0, 4.0), 19);
  const DenseOperator A(M);
  DensityOptions o = slq(3, 40, 11);
  CHECK(run(o, A).first_run.empty());
  o.keep_first_run = true;
  const DensityResult r = run(o, A);
  const KrylovDecomposition& d = r.first_run;
  REQUIRE(d.basis.rows() == 150);
  REQUIRE(d.basis.cols() == 40);
  REQUIRE(d.remainder.cols() == 1);
  const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(40, 40);
  CHECK((d.basis.transpose() * d.basis - I).norm() < 1e-12);
  CHECK((d.basis.transpose() * d.remainder).norm() < 1e-12 * d.remainder.norm());
  Eigen::MatrixXd relation = M * d.basis - d.basis * d.projection;
  relation.col(39) -= d.remainder.col(0);
  CHECK(relation.norm() < 1e-12 * M.norm());
  CHECK(d.remainder.norm() > 1e-3);  // 40 of 150 dimensions: far from invariant
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(d.projection);
  CHECK((es.eigenvalues() - r.nodes[0]).cwiseAbs().maxCoeff() < 1e-12);
  // Its products, kept as the operator returned them: H Q.
  REQUIRE(d.products.cols() == 40);
  CHECK((d.products - M * d.basis).norm() < 1e-12 * M.norm());
  // A run that broke down leaves its steps and a remainder of rounding size.
  Eigen::VectorXd five(50);
  for (int i = 0; i < 50; ++i) five(i) = -2.0 + (i % 5);
  const DensityResult early = run(o, DenseOperator(matrix_with_spectrum(five, 6)));
  CHECK(early.first_run.basis.cols() == 5);
  CHECK(early.first_run.products.cols() == 5);
  CHECK(early.first_run.remainder.norm() < 1e-9);
}

TEST_CASE("runs sharing products give the same quadratures as runs alone") {
  const DenseOperator A(matrix_with_spectrum(Eigen::VectorXd::LinSpaced(120, -1.0, 4.0), 8));
  DensityOptions o = slq(5, 30, 9);
  o.block = 1;
  const DensityResult one = run(o, A);
  o.block = 5;
  const DensityResult all = run(o, A);
  for (size_t run = 0; run < one.nodes.size(); ++run) {
    CHECK((one.nodes[run] - all.nodes[run]).cwiseAbs().maxCoeff() < 1e-10);
    CHECK((one.weights[run] - all.weights[run]).cwiseAbs().maxCoeff() < 1e-10);
  }
}

TEST_CASE("LLA's re and Kh_n follow their definitions over the runs") {
  const ModelProblem p = indefinite_mlp();
  DensityOptions o = slq(6, 40, 4);
  o.kh_power = 0.5;
  const DensityResult r = run(o, *p.hessian);
  double re = 0.0, kh = 0.0;
  for (size_t run = 0; run < r.nodes.size(); ++run) {
    double negative = 0.0, positive = 0.0;
    for (Eigen::Index k = 0; k < r.nodes[run].size(); ++k) {
      const double x = std::sqrt(std::abs(r.nodes[run](k) * r.weights[run](k)));
      (r.nodes[run](k) < 0.0 ? negative : positive) += x;
    }
    kh += negative / positive / r.nodes.size();
    re += std::abs(r.nodes[run].minCoeff() / r.nodes[run].maxCoeff()) / r.nodes.size();
  }
  CHECK(r.lla_re == doctest::Approx(re).epsilon(1e-12));
  CHECK(r.lla_kh == doctest::Approx(kh).epsilon(1e-12));
  // Both ends converge in 40 steps, so re is the dense |λmin/λmax|.
  CHECK(
      r.lla_re ==
      doctest::Approx(std::abs(p.eigenvalues.minCoeff() / p.eigenvalues.maxCoeff())).epsilon(1e-4));
}

TEST_CASE("bad density options are rejected naming the field; NaN becomes Status::NonFinite") {
  const DenseOperator A(Eigen::MatrixXd::Identity(10, 10));
  auto rejects = [&](const DensityOptions& o, const std::string& field) {
    CAPTURE(field);
    CHECK(names_field(rejection(o, A), field));
  };
  rejects(slq(0, 10), "runs");
  rejects(slq(-2, 10), "runs");
  rejects(slq(3, 0), "steps");
  DensityOptions o;
  o.block = 0;
  rejects(o, "block");
  o = {};
  o.sigma = 0.0;
  rejects(o, "sigma");
  o = {};
  o.sigma = 1e-4;  // needs 10,017 points
  rejects(o, "grid");
  o = {};
  o.grid = 1;
  rejects(o, "grid");
  o = {};
  o.kh_power = -0.5;
  rejects(o, "kh_power");
  o = {};
  o.negative_threshold = -1e-3;
  rejects(o, "negative_threshold");
  o.negative_threshold = std::numeric_limits<double>::quiet_NaN();
  rejects(o, "negative_threshold");
  o.negative_threshold = std::numeric_limits<double>::infinity();
  rejects(o, "negative_threshold");
  CHECK(parse_enum<ProbeKind>(name_of(ProbeKind::Gaussian)) == ProbeKind::Gaussian);
  CHECK_THROWS_AS(parse_enum<ProbeKind>("uniform"), std::invalid_argument);

  ModelProblem p = indefinite_mlp();
  poison_parameter(p, 500);
  const DensityResult r = run(slq(3, 10), *p.hessian);
  CHECK(r.status == Status::NonFinite);
  CHECK(!r.message.empty());
  CHECK(r.nodes.empty());
}
