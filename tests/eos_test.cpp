// analyzers/eos: a measurement against dense references (top-k eigenvalues, threshold, loss,
// gradient overlap), warm starts needing fewer products than cold ones, the self-stabilization
// gradient ∇S against central differences of λ₁ itself (dense eigenvalues) along random directions,
// with and without Adam's preconditioner, and derive() against brute-force figures of hand-built
// series.
#include <doctest/doctest.h>

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "analyzers/eos.h"
#include "analyzers/preconditioned_operator.h"
#include "analyzers/stability_threshold.h"
#include "engine/field_error.h"
#include "engine/random.h"
#include "support/curvature_fixture.h"
#include "support/fd_check.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr double kEigenRelTol = 1e-8;   // eigenvalues in double
constexpr double kValueRelTol = 1e-12;  // the same quantity by the same passes
constexpr double kLambdaStep = 1e-4;    // t of the central difference of λ₁(θ ± t r)
constexpr double kGradSRelTol = 1e-5;   // ∇S·r against that difference, relative to ‖∇S‖
constexpr int kDirections = 3;

double lambda_max(const Eigen::MatrixXd& A) {
  return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>((A + A.transpose()) / 2,
                                                        Eigen::EigenvaluesOnly)
      .eigenvalues()
      .maxCoeff();
}

Eigen::MatrixXd dense_hessian(Objective& obj, const std::vector<double>& theta) {
  obj.set_parameters(theta);
  ObjectiveOperator H(obj, Curvature::Hessian);
  return assemble_dense(H);
}

OptimizerOptions gd(double lr) {
  OptimizerOptions o;
  o.kind = OptimizerKind::GD;
  o.lr = lr;
  return o;
}

// θ after `steps` steps of `o` on the problem's objective, and the optimizer's state.
std::vector<double> train(ModelProblem& p, const OptimizerOptions& o, int steps,
                          OptimizerState& state) {
  Optimizer opt(o, p.objective->num_params());
  std::vector<double> theta = p.model.theta, g(theta.size());
  for (int s = 0; s < steps; ++s) {
    p.objective->set_parameters(theta);
    p.objective->gradient(g.data());
    opt.step(theta.data(), g.data());
  }
  state = opt.state();
  return theta;
}

}  // namespace

TEST_CASE("a measurement: top-k eigenvalues, threshold, loss and gradient overlap") {
  ModelProblem p = indefinite_mlp();
  const int64_t P = p.objective->num_params();
  EosOptions o;
  o.k = 3;
  OptimizerOptions opt = gd(0.1);
  OptimizerState state;
  state.step = 7;
  const EosMeasurement m = measure(o, *p.objective, p.model.theta, opt, state);
  REQUIRE(m.status == Status::Ok);
  CHECK(m.step == 7);
  CHECK(!m.warm);
  CHECK(!m.preconditioned);
  CHECK(m.threshold == doctest::Approx(20.0));
  REQUIRE(m.eigenvalues.size() == 3);
  for (int i = 0; i < 3; ++i) {
    const double want = p.eigenvalues(P - 1 - i);
    CHECK(std::abs(m.eigenvalues(i) - want) <= kEigenRelTol * std::abs(want));
  }
  CHECK(m.ratio() == doctest::Approx(m.eigenvalues(0) / 20.0));
  // Loss and gradient at θ; the overlap from the dense eigenvectors.
  Eigen::VectorXd g(P);
  p.objective->set_parameters(p.model.theta);
  const double loss = p.objective->gradient(g.data()).loss;
  CHECK(m.loss == doctest::Approx(loss).epsilon(kValueRelTol));
  CHECK(m.gradient_norm == doctest::Approx(g.norm()).epsilon(kValueRelTol));
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(p.dense);
  const Eigen::MatrixXd U = es.eigenvectors().rightCols(3);
  CHECK(m.grad_overlap == doctest::Approx((U.transpose() * g).norm() / g.norm()).epsilon(1e-6));
  // α and β from ∇S.
  REQUIRE(m.grad_sharpness.size() == P);
  CHECK(m.alpha == doctest::Approx(-g.dot(m.grad_sharpness)).epsilon(kValueRelTol));
  CHECK(m.beta == doctest::Approx(m.grad_sharpness.squaredNorm()).epsilon(kValueRelTol));
  CHECK(m.hvps == m.eigen_hvps + 2);
  // The objective's parameters are left as they were.
  CHECK(p.objective->parameters() == p.model.theta);
}

TEST_CASE("warm-started measurements need fewer products than cold ones") {
  ModelProblem p = indefinite_mlp();
  EosOptions o;
  const OptimizerOptions opt = gd(0.05);
  OptimizerState s0, s1;
  const std::vector<double> theta0 = train(p, opt, 20, s0);
  const std::vector<double> theta1 = train(p, opt, 25, s1);
  for (int k : {1, 3}) {
    CAPTURE(k);
    o.k = k;
    const EosMeasurement first = measure(o, *p.objective, theta0, opt, s0);
    const EosMeasurement cold = measure(o, *p.objective, theta1, opt, s1);
    const EosMeasurement warm = measure(o, *p.objective, theta1, opt, s1, first.vectors);
    REQUIRE(cold.status == Status::Ok);
    REQUIRE(warm.status == Status::Ok);
    CHECK(warm.warm);
    MESSAGE("k = " << k << ": cold " << cold.eigen_hvps << " products, warm " << warm.eigen_hvps);
    CHECK(warm.eigen_hvps < cold.eigen_hvps);
    for (int i = 0; i < k; ++i) {
      CHECK(std::abs(warm.eigenvalues(i) - cold.eigenvalues(i)) <=
            kEigenRelTol * std::abs(cold.eigenvalues(i)));
    }
  }
}

TEST_CASE("the tracker warm-starts each measurement from the previous one") {
  ModelProblem p = indefinite_mlp();
  EosOptions o;
  EosTracker tracker(o, *p.objective);
  const OptimizerOptions opt = gd(0.05);
  OptimizerState s;
  const EosMeasurement a = tracker.measure(train(p, opt, 10, s), opt, s);
  const EosMeasurement b = tracker.measure(train(p, opt, 12, s), opt, s);
  CHECK(!a.warm);
  CHECK(b.warm);
  REQUIRE(tracker.series().size() == 2);
  CHECK(tracker.series()[1].step == 12);
  CHECK(tracker.series()[1].sharpness == b.eigenvalues(0));
  CHECK(tracker.total_hvps() == a.hvps + b.hvps);
  tracker.resume({}, {});
  CHECK(tracker.series().empty());
  CHECK(tracker.warm_vectors().size() == 0);
}

TEST_CASE("grad S matches central differences of lambda_1 along random directions") {
  ModelProblem p = indefinite_mlp();
  const int64_t P = p.objective->num_params();
  EosOptions o;
  o.tol = 1e-12;
  SUBCASE("the Hessian (gd)") {
    const OptimizerOptions opt = gd(0.05);
    const EosMeasurement m = measure(o, *p.objective, p.model.theta, opt, {});
    REQUIRE(m.status == Status::Ok);
    // λ₁ is simple here (the derivative of λ₁ is uᵀ(∂H)u only then).
    REQUIRE(p.eigenvalues(P - 1) - p.eigenvalues(P - 2) > 1e-3 * p.eigenvalues(P - 1));
    for (int j = 0; j < kDirections; ++j) {
      const Eigen::VectorXd r = random_vector(P, 100 + j).normalized();
      std::vector<double> plus = p.model.theta, minus = p.model.theta;
      for (int64_t i = 0; i < P; ++i) {
        plus[i] += kLambdaStep * r(i);
        minus[i] -= kLambdaStep * r(i);
      }
      const double fd = (lambda_max(dense_hessian(*p.objective, plus)) -
                         lambda_max(dense_hessian(*p.objective, minus))) /
                        (2 * kLambdaStep);
      CAPTURE(fd);
      CAPTURE(m.grad_sharpness.dot(r));
      CHECK(std::abs(m.grad_sharpness.dot(r) - fd) <= kGradSRelTol * m.grad_sharpness.norm());
    }
  }
  SUBCASE("the preconditioned operator (adam): S = lambda_1(P^-1/2 H P^-1/2) with P fixed") {
    OptimizerOptions opt;
    opt.kind = OptimizerKind::Adam;
    opt.lr = 1e-2;
    OptimizerState state;
    const std::vector<double> theta = train(p, opt, 3, state);
    const EosMeasurement m = measure(o, *p.objective, theta, opt, state);
    REQUIRE(m.status == Status::Ok);
    CHECK(m.preconditioned);
    Eigen::VectorXd g(P);
    p.objective->set_parameters(theta);
    p.objective->gradient(g.data());
    const Eigen::VectorXd d = adam_preconditioner(opt, state, P, g.data()).array().rsqrt().matrix();
    // The measured eigenvalue is the dense preconditioned one.
    const Eigen::MatrixXd H = dense_hessian(*p.objective, theta);
    const double want = lambda_max(d.asDiagonal() * H * d.asDiagonal());
    CHECK(std::abs(m.eigenvalues(0) - want) <= kEigenRelTol * want);
    CHECK(m.threshold == doctest::Approx(stability_threshold(opt)));
    for (int j = 0; j < kDirections; ++j) {
      const Eigen::VectorXd r = random_vector(P, 200 + j).normalized();
      std::vector<double> plus = theta, minus = theta;
      for (int64_t i = 0; i < P; ++i) {
        plus[i] += kLambdaStep * r(i);
        minus[i] -= kLambdaStep * r(i);
      }
      const double fd =
          (lambda_max(d.asDiagonal() * dense_hessian(*p.objective, plus) * d.asDiagonal()) -
           lambda_max(d.asDiagonal() * dense_hessian(*p.objective, minus) * d.asDiagonal())) /
          (2 * kLambdaStep);
      CAPTURE(fd);
      CAPTURE(m.grad_sharpness.dot(r));
      CHECK(std::abs(m.grad_sharpness.dot(r) - fd) <= kGradSRelTol * m.grad_sharpness.norm());
    }
    // α and β in A's coordinates: α = −(Dg)·(D∇S), β = ‖D∇S‖².
    CHECK(m.alpha ==
          doctest::Approx(-d.cwiseProduct(g).dot(d.cwiseProduct(m.grad_sharpness))).epsilon(1e-12));
    CHECK(m.beta == doctest::Approx(d.cwiseProduct(m.grad_sharpness).squaredNorm()).epsilon(1e-12));
  }
}

namespace {

// Brute force: every figure of derive() recomputed the plain way.
EosSummary brute_force(const std::vector<EosSample>& s, double band) {
  EosSummary r;
  size_t onset = s.size();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i].sharpness >= s[i].threshold) {
      onset = i;
      break;
    }
  }
  if (onset < s.size()) r.onset_step = s[onset].step;
  if (onset >= 2) {  // slope by the normal equations of [1 t] c = y
    Eigen::MatrixXd X(onset, 2);
    Eigen::VectorXd y(onset);
    for (size_t i = 0; i < onset; ++i) {
      X(i, 0) = 1.0;
      X(i, 1) = static_cast<double>(s[i].step);
      y(i) = s[i].sharpness;
    }
    r.sharpening_rate = X.colPivHouseholderQr().solve(y)(1);
  }
  for (const EosSample& e : s) {
    r.max_ratio = std::isnan(r.max_ratio) ? e.sharpness / e.threshold
                                          : std::max(r.max_ratio, e.sharpness / e.threshold);
  }
  std::vector<double> ratios;
  int within = 0;
  for (size_t i = onset; i < s.size(); ++i) {
    ratios.push_back(s[i].sharpness / s[i].threshold);
    within += std::abs(ratios.back() - 1.0) <= band;
    for (size_t j = onset; j < i; ++j) {
      if (j + 1 == i && s[i].loss > s[j].loss) ++r.loss_increases_after_onset;
    }
  }
  r.measurements_after_onset = static_cast<int64_t>(ratios.size());
  if (!ratios.empty()) {
    r.eos_fraction = static_cast<double>(within) / static_cast<double>(ratios.size());
    std::vector<double> sorted = ratios;
    std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
    const double upper = sorted[sorted.size() / 2];
    if (sorted.size() % 2 == 1) {
      r.median_ratio_after_onset = upper;
    } else {
      const double lower = *std::max_element(sorted.begin(), sorted.begin() + sorted.size() / 2);
      r.median_ratio_after_onset = (lower + upper) / 2;
    }
  }
  return r;
}

void check_same(const EosSummary& got, const EosSummary& want) {
  CHECK(got.onset_step == want.onset_step);
  CHECK(got.measurements_after_onset == want.measurements_after_onset);
  CHECK(got.loss_increases_after_onset == want.loss_increases_after_onset);
  CHECK(got.eos_fraction == doctest::Approx(want.eos_fraction).epsilon(1e-14));
  const auto same = [](double a, double b) {
    return (std::isnan(a) && std::isnan(b)) ||
           std::abs(a - b) <= 1e-10 * std::max(1.0, std::abs(b));
  };
  CHECK(same(got.sharpening_rate, want.sharpening_rate));
  CHECK(same(got.max_ratio, want.max_ratio));
  CHECK(same(got.median_ratio_after_onset, want.median_ratio_after_onset));
}

}  // namespace

TEST_CASE("derive: a hand-built series with sharpening, onset and hovering") {
  // λ₁ = 10 + 0.5 t for t = 0, 10, …, 70 (threshold 40: onset at t = 60), then hovering.
  std::vector<EosSample> s;
  for (int t = 0; t <= 50; t += 10) s.push_back({t, 10.0 + 0.5 * t, 40.0, 2.0 - 0.01 * t});
  const double after[][2] = {{41.0, 1.40}, {43.0, 1.45}, {37.0, 1.30}, {47.0, 1.35},
                             {39.5, 1.20}, {40.2, 1.22}, {35.0, 1.10}};
  int t = 60;
  for (const auto& a : after) s.push_back({t, a[0], 40.0, a[1]}), t += 10;
  const EosSummary r = derive(s);
  REQUIRE(r.onset_step.has_value());
  CHECK(*r.onset_step == 60);
  CHECK(r.sharpening_rate == doctest::Approx(0.5));
  CHECK(r.measurements_after_onset == 7);
  // |ratio − 1| ≤ 0.1: 41, 43, 37, 39.5, 40.2 (47 and 35 are outside).
  CHECK(r.eos_fraction == doctest::Approx(5.0 / 7.0));
  CHECK(r.max_ratio == doctest::Approx(47.0 / 40.0));
  CHECK(r.loss_increases_after_onset == 3);  // 1.40→1.45, 1.20→1.22 and 1.30→1.35
  CHECK(r.median_ratio_after_onset == doctest::Approx(40.2 / 40.0));
  check_same(r, brute_force(s, kEosBand));
}

TEST_CASE("derive: random series against brute force") {
  Rng rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    const int n = static_cast<int>(rng.below(12));
    std::vector<EosSample> s;
    int64_t step = static_cast<int64_t>(rng.below(5));
    for (int i = 0; i < n; ++i) {
      const double thr = 1.0 + 10.0 * rng.uniform();
      s.push_back({step, thr * (0.5 + rng.uniform()), thr, rng.uniform()});
      step += 1 + static_cast<int64_t>(rng.below(20));
    }
    const double band = 0.2 * rng.uniform();
    CAPTURE(trial);
    check_same(derive(s, band), brute_force(s, band));
  }
}

TEST_CASE("derive: no onset, onset at the first measurement, an empty series, bad series") {
  const std::vector<EosSample> below = {
      {0, 1.0, 2.0, 1.0}, {5, 1.5, 2.0, 0.9}, {10, 1.9, 2.0, 0.8}};
  EosSummary r = derive(below);
  CHECK(!r.onset_step.has_value());
  CHECK(r.sharpening_rate == doctest::Approx(0.09));
  CHECK(r.eos_fraction == 0.0);
  CHECK(r.measurements_after_onset == 0);
  CHECK(std::isnan(r.median_ratio_after_onset));
  CHECK(r.max_ratio == doctest::Approx(0.95));

  r = derive({{3, 2.0, 2.0, 1.0}, {4, 2.1, 2.0, 1.1}});
  CHECK(*r.onset_step == 3);
  CHECK(std::isnan(r.sharpening_rate));
  CHECK(r.eos_fraction == 1.0);
  CHECK(r.loss_increases_after_onset == 1);

  r = derive({});
  CHECK(!r.onset_step.has_value());
  CHECK(std::isnan(r.max_ratio));

  CHECK_THROWS_AS(derive({{3, 1.0, 2.0, 1.0}, {3, 1.0, 2.0, 1.0}}), std::invalid_argument);
  CHECK_THROWS_AS(derive({{3, 1.0, 0.0, 1.0}}), std::invalid_argument);
  CHECK_THROWS_AS(derive({{3, 1.0, 1.0, 1.0}}, -0.1), std::invalid_argument);
}

TEST_CASE("sharpness_due: step 0, every N steps, the last step") {
  std::vector<int64_t> due;
  for (int64_t s = 0; s <= 23; ++s) {
    if (sharpness_due(s, 10, 23)) due.push_back(s);
  }
  CHECK(due == std::vector<int64_t>{0, 10, 20, 23});
  CHECK(!sharpness_due(0, 0, 23));
}

TEST_CASE("bad options and inputs are refused, naming the field") {
  ModelProblem p = indefinite_mlp();
  const int64_t P = p.objective->num_params();
  const OptimizerOptions opt = gd(0.1);
  const auto field_of = [&](EosOptions o) -> std::string {
    try {
      measure(o, *p.objective, p.model.theta, opt, {});
    } catch (const FieldError& e) {
      return e.field();
    }
    return "(accepted)";
  };
  EosOptions o;
  o.k = 0;
  CHECK(field_of(o) == "k");
  o = {};
  o.k = static_cast<int>(P) + 1;
  CHECK(field_of(o) == "k");
  o = {};
  o.tol = 0.0;
  CHECK(field_of(o) == "tol");
  o = {};
  o.fd_step = -1.0;
  CHECK(field_of(o) == "fd_step");
  o = {};
  o.max_iterations = 0;
  CHECK(field_of(o) == "max_iterations");
  CHECK_THROWS_AS(measure({}, *p.objective, std::vector<double>(3), opt, {}),
                  std::invalid_argument);
  CHECK_THROWS_AS(measure({}, *p.objective, p.model.theta, opt, {}, Eigen::MatrixXd::Ones(3, 1)),
                  std::invalid_argument);
  // Adam without its second moment.
  OptimizerOptions adam;
  adam.kind = OptimizerKind::Adam;
  CHECK_THROWS_AS(measure({}, *p.objective, p.model.theta, adam, {}), std::invalid_argument);
}

TEST_CASE("a NaN in the parameters ends with status non_finite") {
  ModelProblem p = indefinite_mlp();
  std::vector<double> theta = p.model.theta;
  theta[5] = NAN;
  const EosMeasurement m = measure({}, *p.objective, theta, gd(0.1), {});
  CHECK(m.status == Status::NonFinite);
  CHECK(!m.message.empty());
  CHECK(p.objective->parameters() == p.model.theta);
}
