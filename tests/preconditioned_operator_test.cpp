// analyzers/preconditioned_operator: Adam's preconditioner read from the optimizer state against
// the update rule written out, and the largest eigenvalue of P^{-1/2} H P^{-1/2} by Lanczos against
// the dense matrix assembled from the dense Hessian (a 916-parameter MLP after a few Adam steps).
#include <doctest/doctest.h>

#include <Eigen/Eigenvalues>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "analyzers/eigen.h"
#include "analyzers/preconditioned_operator.h"
#include "support/curvature_fixture.h"
#include "support/fd_check.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr double kEigenRelTol = 1e-8;     // issue 13: preconditioned sharpness in double
constexpr double kProductRelTol = 1e-12;  // one product: the same flops in another order
constexpr double kLanczosTol = 1e-12;
constexpr int kAdamSteps = 5;

struct AdamProblem {
  ModelProblem p;
  OptimizerOptions options;
  OptimizerState state;
  std::vector<double> theta;
  Eigen::VectorXd g;      // ∇L at theta
  Eigen::MatrixXd dense;  // H at theta
};

// indefinite_mlp trained kAdamSteps Adam steps on its own objective.
AdamProblem adam_problem() {
  AdamProblem a{indefinite_mlp(), {}, {}, {}, {}, {}};
  const int64_t P = a.p.objective->num_params();
  a.options.kind = OptimizerKind::Adam;
  a.options.lr = 1e-2;
  Optimizer opt(a.options, P);
  a.theta = a.p.model.theta;
  a.g.resize(P);
  for (int s = 0; s < kAdamSteps; ++s) {
    a.p.objective->set_parameters(a.theta);
    a.p.objective->gradient(a.g.data());
    opt.step(a.theta.data(), a.g.data());
  }
  a.state = opt.state();
  a.p.objective->set_parameters(a.theta);
  a.p.objective->gradient(a.g.data());
  ObjectiveOperator H(*a.p.objective, Curvature::Hessian);
  const Eigen::MatrixXd A = assemble_dense(H);
  a.dense = (A + A.transpose()) / 2;
  return a;
}

const std::vector<double>& buffer(const OptimizerState& s, const std::string& name) {
  for (const auto& [n, b] : s.buffers) {
    if (n == name) return b;
  }
  throw std::logic_error("no buffer " + name);
}

}  // namespace

TEST_CASE("adam's preconditioner: the next update's (with g) and the last one's (without)") {
  const AdamProblem a = adam_problem();
  const int64_t P = a.p.objective->num_params();
  const std::vector<double>& v = buffer(a.state, "exp_avg_sq");
  const double b2 = a.options.beta2, eps = a.options.epsilon;
  const double t = static_cast<double>(a.state.step);
  REQUIRE(t == kAdamSteps);
  const Eigen::VectorXd next = adam_preconditioner(a.options, a.state, P, a.g.data());
  const Eigen::VectorXd last = adam_preconditioner(a.options, a.state, P);
  for (int64_t i = 0; i < P; ++i) {
    const double vn = (b2 * v[i] + (1 - b2) * a.g(i) * a.g(i)) / (1 - std::pow(b2, t + 1));
    CHECK(next(i) == doctest::Approx(std::sqrt(vn) + eps).epsilon(1e-14));
    CHECK(last(i) == doctest::Approx(std::sqrt(v[i] / (1 - std::pow(b2, t))) + eps).epsilon(1e-14));
  }
  // At step 0 the next update's preconditioner is |g| + ε.
  Optimizer fresh(a.options, P);
  const Eigen::VectorXd first = adam_preconditioner(a.options, fresh.state(), P, a.g.data());
  CHECK(rel_err(first, (a.g.array().abs() + eps).matrix()) < 1e-15);
}

TEST_CASE("preconditioned sharpness equals the dense P^-1/2 H P^-1/2's largest eigenvalue") {
  AdamProblem a = adam_problem();
  const int64_t P = a.p.objective->num_params();
  const Eigen::VectorXd p = adam_preconditioner(a.options, a.state, P, a.g.data());
  const Eigen::VectorXd d = p.array().rsqrt();
  const Eigen::MatrixXd M = d.asDiagonal() * a.dense * d.asDiagonal();
  const Eigen::VectorXd want =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(M, Eigen::EigenvaluesOnly).eigenvalues();

  ObjectiveOperator H(*a.p.objective, Curvature::Hessian);
  const PreconditionedOperator A(H, p);
  REQUIRE(A.rows() == P);
  CHECK(rel_err(A.scaling(), d) == 0.0);

  // One product and a block of three.
  const Eigen::MatrixXd X = Eigen::MatrixXd::NullaryExpr(P, 3, [](Eigen::Index i, Eigen::Index j) {
    return std::sin(0.37 * static_cast<double>(i) + static_cast<double>(j));
  });
  Eigen::MatrixXd Y;
  A.apply(X, Y);
  CHECK(rel_err(Y, M * X) < kProductRelTol);
  Eigen::VectorXd y(P);
  A.perform_op(X.col(1).data(), y.data());
  CHECK(rel_err(y, M * X.col(1)) < kProductRelTol);

  EigenOptions o;
  o.k = 2;
  o.tol = kLanczosTol;
  const EigenResult r = run(o, A);
  REQUIRE(r.status == Status::Ok);
  CAPTURE(r.eigenvalues(0));
  CAPTURE(want(P - 1));
  CHECK(std::abs(r.eigenvalues(0) - want(P - 1)) <= kEigenRelTol * std::abs(want(P - 1)));
  CHECK(std::abs(r.eigenvalues(1) - want(P - 2)) <= kEigenRelTol * std::abs(want(P - 2)));
  // The preconditioner matters: the preconditioned sharpness is not λmax(H)/mean(p).
  CHECK(std::abs(want(P - 1) - a.p.eigenvalues(P - 1)) > 1.0);
}

TEST_CASE("bad preconditioners and states are refused") {
  const int64_t P = 3;
  const DenseOperator D(Eigen::MatrixXd::Identity(P, P));
  CHECK_THROWS_AS(PreconditionedOperator(D, Eigen::VectorXd::Ones(2)), std::invalid_argument);
  CHECK_THROWS_AS(PreconditionedOperator(D, Eigen::Vector3d(1, 0, 1)), std::invalid_argument);
  CHECK_THROWS_AS(PreconditionedOperator(D, Eigen::Vector3d(1, NAN, 1)), std::invalid_argument);

  OptimizerOptions adam;
  adam.kind = OptimizerKind::Adam;
  Optimizer opt(adam, P);
  const std::vector<double> g(P, 1.0);
  // Step 0 without a gradient: no update has been made.
  CHECK_THROWS_AS(adam_preconditioner(adam, opt.state(), P), std::invalid_argument);
  CHECK_NOTHROW(adam_preconditioner(adam, opt.state(), P, g.data()));
  // Another optimizer, a state without the second moment, the wrong length.
  OptimizerOptions momentum;
  momentum.kind = OptimizerKind::Momentum;
  CHECK_THROWS_AS(adam_preconditioner(momentum, opt.state(), P, g.data()), std::invalid_argument);
  CHECK_THROWS_AS(adam_preconditioner(adam, OptimizerState{}, P, g.data()), std::invalid_argument);
  CHECK_THROWS_AS(adam_preconditioner(adam, opt.state(), P + 1, g.data()), std::invalid_argument);
}
