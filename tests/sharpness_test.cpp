// Tests of analyzers/sharpness against exact answers on a least-squares problem at its minimum
// (L(θ* + δ) − L* = ½ δᵀHδ with H known): ℓ2 worst case = ρ²λmax(CHC)/2, average case =
// σ² tr(CHC)/2, ℓ∞ and Keskar maxima by enumerating the box's vertices; worst ≥ average on an MLP;
// the gradient overlap, λmax, trace and ‖H‖_F against a dense eigendecomposition.
#include <doctest/doctest.h>

#include <Eigen/Eigenvalues>
#include <cmath>

#include "analyzers/sharpness.h"
#include "engine/arch.h"
#include "engine/curvature_operator.h"
#include "support/curvature_fixture.h"
#include "support/fd_check.h"
#include "support/least_squares.h"

using namespace hess;
using namespace hess::test;

namespace {

// The ascent's value is a loss actually met inside the ball: never above the true maximum beyond
// the rounding of L(θ* + δ) − L*.
constexpr double kRoundingSlack = 1e-10;

SharpnessOptions only(SharpnessMeasure m, double rho, Ball ball = Ball::L2, bool adaptive = false) {
  SharpnessOptions o;
  o.measures = {m};
  o.rho = rho;
  o.ball = ball;
  o.adaptive = adaptive;
  return o;
}

Eigen::VectorXd scale_of(const std::vector<double>& theta, bool adaptive) {
  Eigen::VectorXd c(theta.size());
  for (size_t i = 0; i < theta.size(); ++i) c(i) = adaptive ? std::abs(theta[i]) : 1.0;
  return c;
}

// max of ½ yᵀ A y over the box |y_i| ≤ r_i: at a vertex, since A is positive semidefinite.
double box_maximum(const Eigen::MatrixXd& A, const Eigen::VectorXd& r) {
  const int64_t n = r.size();
  double best = 0.0;
  for (int64_t mask = 0; mask < (int64_t{1} << n); ++mask) {
    Eigen::VectorXd y(n);
    for (int64_t i = 0; i < n; ++i) y(i) = (mask >> i & 1) ? r(i) : -r(i);
    best = std::max(best, 0.5 * y.dot(A * y));
  }
  return best;
}

}  // namespace

TEST_CASE("measure and ball names round-trip; options are validated naming the field") {
  for (SharpnessMeasure m :
       {SharpnessMeasure::Average, SharpnessMeasure::Worst, SharpnessMeasure::Keskar,
        SharpnessMeasure::Overlap, SharpnessMeasure::LambdaMax, SharpnessMeasure::Trace,
        SharpnessMeasure::Frobenius}) {
    CHECK(parse_enum<SharpnessMeasure>(name_of(m)) == m);
  }
  CHECK(name_of(SharpnessMeasure::LambdaMax) == "lambda_max");
  CHECK(parse_enum<SharpnessMeasure>("frobenius") == SharpnessMeasure::Frobenius);
  CHECK(parse_enum<Ball>(name_of(Ball::Linf)) == Ball::Linf);
  CHECK(name_of(Ball::L2) == "l2");
  CHECK_THROWS_WITH_AS(parse_enum<Ball>("l1"), doctest::Contains("ball"), std::invalid_argument);
  CHECK_THROWS_AS(parse_enum<SharpnessMeasure>("lambda"), std::invalid_argument);

  SharpnessOptions o;
  o.rho = 0.0;
  CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("rho"), std::invalid_argument);
  o.rho = -1.0;
  CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("rho"), std::invalid_argument);
  o = {};
  o.draws = 1;
  CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("draws"), std::invalid_argument);
  o = {};
  o.steps = 0;
  CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("steps"), std::invalid_argument);
  o = {};
  o.epsilon = 0.0;
  CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("epsilon"), std::invalid_argument);
  o = {};
  o.measures.clear();
  CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("measures"), std::invalid_argument);
  o = {};
  o.k = 0;
  CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("k"), std::invalid_argument);
  o = {};
  o.trace_products = 2;
  CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("trace_products"), std::invalid_argument);
  o = {};
  o.frobenius_probes = 1;
  CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("frobenius_probes"), std::invalid_argument);
  o = {};
  o.eigen_tol = 0.0;
  CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("eigen_tol"), std::invalid_argument);

  const LeastSquares ls = least_squares_problem(3, 2, 10, 1);
  auto obj = double_objective(ls.model, ls.data);
  SharpnessOptions too_many = only(SharpnessMeasure::Overlap, 0.1);
  too_many.k = static_cast<int>(obj->num_params()) + 1;
  CHECK_THROWS_WITH_AS(run(too_many, *obj), doctest::Contains("k: "), std::invalid_argument);
  const Eigen::MatrixXd wrong = Eigen::MatrixXd::Identity(3, 1);
  CHECK_THROWS_WITH_AS(run(only(SharpnessMeasure::Overlap, 0.1), *obj, &wrong),
                       doctest::Contains("eigenvectors"), std::invalid_argument);
}

TEST_CASE("l2 worst case at a minimum is rho^2 lambda_max(CHC)/2; average case sigma^2 tr(CHC)/2") {
  const LeastSquares ls = least_squares_problem(4, 3, 40, 5);
  auto obj = double_objective(ls.model, ls.data);
  const int64_t P = obj->num_params();
  for (bool adaptive : {false, true}) {
    CAPTURE(adaptive);
    const Eigen::VectorXd c = scale_of(ls.model.theta, adaptive);
    const Eigen::MatrixXd CHC = c.asDiagonal() * ls.hessian * c.asDiagonal();
    const double lmax =
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(CHC).eigenvalues().maxCoeff();
    const double rho = 0.01;
    SharpnessOptions o = only(SharpnessMeasure::Worst, rho, Ball::L2, adaptive);
    o.measures.push_back(SharpnessMeasure::Average);
    o.steps = 40;
    o.draws = 400;
    const SharpnessResult r = run(o, *obj);
    CHECK(r.status == Status::Ok);
    REQUIRE(r.worst);
    REQUIRE(r.average);
    const double exact = 0.5 * rho * rho * lmax;
    CHECK(r.worst->value <= exact * (1 + kRoundingSlack) + 1e-15);
    CHECK(r.worst->value == doctest::Approx(exact).epsilon(1e-3));
    CHECK(r.worst->u_norm == doctest::Approx(rho).epsilon(1e-9));
    const double sigma = rho / std::sqrt(static_cast<double>(P));
    CHECK(r.average->sigma == doctest::Approx(sigma));
    const double expected = 0.5 * sigma * sigma * CHC.trace();
    CHECK(std::abs(r.average->value - expected) < 4 * r.average->standard_error);
    CHECK(r.average->standard_error > 0.0);
    CHECK(r.worst->value >= r.average->value);
    CHECK(r.passes == 1 + o.draws + o.steps + 1);
    CHECK(r.gradients == o.steps);
    CHECK(obj->parameters() == ls.model.theta);
  }
  // The same relation with λmax from the lambda_max measure (Lanczos on the Hessian operator).
  SharpnessOptions o = only(SharpnessMeasure::Worst, 0.01);
  o.measures.push_back(SharpnessMeasure::LambdaMax);
  o.steps = 40;
  const SharpnessResult r = run(o, *obj);
  REQUIRE(r.lambda_max);
  CHECK(r.worst->value == doctest::Approx(0.5 * 0.01 * 0.01 * *r.lambda_max).epsilon(1e-3));
}

TEST_CASE("both sharpness measures vanish like rho^2 at a minimum") {
  const LeastSquares ls = least_squares_problem(4, 2, 30, 6);
  auto obj = double_objective(ls.model, ls.data);
  double prev_worst = 0, prev_avg = 0;
  for (double rho : {1e-1, 1e-2, 1e-3}) {
    CAPTURE(rho);
    SharpnessOptions o = only(SharpnessMeasure::Worst, rho);
    o.measures.push_back(SharpnessMeasure::Average);
    const SharpnessResult r = run(o, *obj);
    CHECK(r.worst->value >= 0.0);
    if (prev_worst > 0) {
      // The same seed draws the same u/ρ, and the ascent is scale-equivariant on a quadratic: the
      // values scale exactly like ρ², up to the rounding of L(θ* + δ) − L*.
      CHECK(r.worst->value / prev_worst == doctest::Approx(0.01).epsilon(1e-4));
      CHECK(r.average->value / prev_avg == doctest::Approx(0.01).epsilon(1e-4));
    }
    prev_worst = r.worst->value;
    prev_avg = r.average->value;
  }
  CHECK(prev_worst < 1e-6);
}

TEST_CASE(
    "l-infinity worst case and Keskar's sharpness reach the box maximum (vertex enumeration)") {
  const LeastSquares ls = least_squares_problem(3, 2, 20, 7);  // P = 8: 256 vertices
  auto obj = double_objective(ls.model, ls.data);
  const int64_t P = obj->num_params();
  for (bool adaptive : {false, true}) {
    CAPTURE(adaptive);
    const double rho = 0.05;
    const Eigen::VectorXd c = scale_of(ls.model.theta, adaptive);
    const double exact = box_maximum(ls.hessian, rho * c);
    SharpnessOptions o = only(SharpnessMeasure::Worst, rho, Ball::Linf, adaptive);
    o.measures.push_back(SharpnessMeasure::Average);
    // A convex quadratic has a local maximum at every vertex where sign(Hy) = sign(y); the ascent
    // finds one per start, so several starts are needed to meet the global one.
    o.restarts = 10;
    const SharpnessResult r = run(o, *obj);
    CHECK(r.worst->value <= exact * (1 + kRoundingSlack) + 1e-15);
    CHECK(r.worst->value >= 0.95 * exact);
    CHECK(r.worst->u_norm <= rho);
    CHECK(r.worst->value >= r.average->value);
    CHECK(r.average->sigma == rho);
  }
  const double eps = 1e-3;
  Eigen::VectorXd box(P);
  for (int64_t i = 0; i < P; ++i) box(i) = eps * (std::abs(ls.model.theta[i]) + 1.0);
  const double keskar_exact = 100.0 * box_maximum(ls.hessian, box) / (1.0 + ls.loss);
  SharpnessOptions k = only(SharpnessMeasure::Keskar, 0.05);
  k.epsilon = eps;
  k.restarts = 10;
  const SharpnessResult r = run(k, *obj);
  REQUIRE(r.keskar);
  CHECK(!r.worst);
  CHECK(r.keskar->value <= keskar_exact * (1 + kRoundingSlack) + 1e-13);
  CHECK(r.keskar->value >= 0.95 * keskar_exact);
  CHECK(obj->parameters() == ls.model.theta);
}

TEST_CASE("on an MLP away from a minimum worst case >= average case, float and double") {
  ArchOptions a;
  a.seed = 3;
  const Model m = build_arch("mlp:6-10-4:tanh", a);
  const Dataset d = random_dataset(m.graph, 32, 4, 2);
  for (Precision p : {Precision::F64, Precision::F32}) {
    ObjectiveOptions oo;
    oo.batch_size = 10;
    auto obj = make_objective(m.graph, d, all_rows(d.size()), oo, p);
    obj->set_parameters(m.theta);
    for (Ball ball : {Ball::L2, Ball::Linf}) {
      for (bool adaptive : {false, true}) {
        CAPTURE(name_of(p));
        CAPTURE(name_of(ball));
        CAPTURE(adaptive);
        SharpnessOptions o =
            only(SharpnessMeasure::Worst, ball == Ball::L2 ? 0.5 : 0.02, ball, adaptive);
        o.measures.push_back(SharpnessMeasure::Average);
        o.draws = 20;
        const SharpnessResult r = run(o, *obj);
        CHECK(r.status == Status::Ok);
        CHECK(r.worst->value > 0.0);
        CHECK(r.worst->value >= r.average->value + 2 * r.average->standard_error);
        CHECK(obj->parameters() == m.theta);
      }
    }
  }
}

TEST_CASE("gradient overlap with the top-k eigenspace equals the dense computation") {
  ArchOptions a;
  a.seed = 4;
  const Model m = build_arch("mlp:5-6-3:tanh", a);
  const Dataset d = random_dataset(m.graph, 20, 3, 9);
  auto obj = double_objective(m, d);
  ObjectiveOperator H(*obj, Curvature::Hessian);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(assemble_dense(H));
  const Eigen::VectorXd g = fd_gradient(*obj, m.theta);
  const int64_t P = g.size();
  for (int k : {1, 3, 6}) {
    CAPTURE(k);
    const Eigen::MatrixXd U = eig.eigenvectors().rightCols(k);  // the k largest eigenvalues
    const double want = (U.transpose() * g).squaredNorm() / g.squaredNorm();
    const SharpnessResult r = run(only(SharpnessMeasure::Overlap, 0.1), *obj, &U);
    REQUIRE(r.overlap);
    CHECK(r.overlap_k == k);
    CHECK(*r.overlap == doctest::Approx(want).epsilon(1e-6));
    // Any basis of the same span gives the same overlap.
    const Eigen::MatrixXd mixed =
        U * (Eigen::MatrixXd::Random(k, k) + 3 * Eigen::MatrixXd::Identity(k, k));
    CHECK(*run(only(SharpnessMeasure::Overlap, 0.1), *obj, &mixed).overlap ==
          doctest::Approx(want).epsilon(1e-6));
  }
  const Eigen::MatrixXd all = eig.eigenvectors();
  CHECK(*run(only(SharpnessMeasure::Overlap, 0.1), *obj, &all).overlap ==
        doctest::Approx(1.0).epsilon(1e-12));
  CHECK(P == all.rows());
  CHECK(obj->parameters() == m.theta);
}

TEST_CASE("lambda_max, trace, frobenius and the Lanczos overlap against the dense Hessian") {
  for (Precision p : {Precision::F64, Precision::F32}) {
    CAPTURE(name_of(p));
    // Float HVPs carry rounding of order 1e-7 relative; double ones 1e-13.
    const double tol = p == Precision::F64 ? 1e-8 : 1e-4;
    ModelProblem mp = model_problem("mlp:5-6-3:tanh", 20, 3, 11, p);
    Objective& obj = *mp.objective;
    const int64_t P = obj.num_params();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(mp.dense);
    const Eigen::VectorXd& lambda = eig.eigenvalues();  // ascending
    REQUIRE(lambda(0) < 0.0);  // indefinite: the top is not the largest magnitude by accident
    SharpnessOptions o;
    o.measures = {SharpnessMeasure::LambdaMax, SharpnessMeasure::Trace, SharpnessMeasure::Frobenius,
                  SharpnessMeasure::Overlap};
    o.k = 3;
    // With 3P products Hutch++'s sketch spans the whole space: its trace is exact.
    o.trace_method = TraceMethod::HutchPP;
    o.trace_products = 3 * static_cast<int>(P);
    o.frobenius_probes = 400;
    o.eigen_tol = p == Precision::F64 ? 1e-10 : 1e-6;
    const SharpnessResult r = run(o, obj);
    CHECK(r.status == Status::Ok);
    REQUIRE(r.lambda_max);
    CHECK(*r.lambda_max == doctest::Approx(lambda(P - 1)).epsilon(tol));
    REQUIRE(r.top_eigenvalues.size() == 3);
    for (int i = 0; i < 3; ++i) {
      CHECK(r.top_eigenvalues(i) == doctest::Approx(lambda(P - 1 - i)).epsilon(tol));
    }
    REQUIRE(r.trace);
    CHECK(r.trace->value == doctest::Approx(lambda.sum()).epsilon(tol * 10));
    REQUIRE(r.frobenius);
    const double frobenius = lambda.norm();
    CHECK(r.frobenius->std_error > 0.0);
    CHECK(std::abs(r.frobenius->value - frobenius) < 4 * r.frobenius->std_error);
    CHECK(std::abs(r.frobenius->value - frobenius) < 0.2 * frobenius);
    const Eigen::MatrixXd U = eig.eigenvectors().rightCols(3);
    // The gradient by finite differences of the double objective (float ones would be too coarse).
    ModelProblem ref = model_problem("mlp:5-6-3:tanh", 20, 3, 11, Precision::F64);
    const Eigen::VectorXd g = fd_gradient(*ref.objective, ref.model.theta);
    const double want = (U.transpose() * g).squaredNorm() / g.squaredNorm();
    REQUIRE(r.overlap);
    CHECK(r.overlap_k == 3);
    CHECK(*r.overlap == doctest::Approx(want).epsilon(p == Precision::F64 ? 1e-6 : 1e-3));
    CHECK(r.hvps > 3 * P);
    CHECK(obj.parameters() == mp.model.theta);
  }
}

TEST_CASE("the default trace: exact on a ReLU network, a control variate covering tr(H) on tanh") {
  for (Precision p : {Precision::F64, Precision::F32}) {
    CAPTURE(name_of(p));
    const double tol = p == Precision::F64 ? 1e-9 : 1e-5;
    SharpnessOptions o;
    o.measures = {SharpnessMeasure::Trace};
    o.trace_products = 400;
    {
      // Affine in each parameter: diag(H) = diag(GGN), summed exactly.
      ModelProblem mp = model_problem("mlp:5-6-3:relu", 20, 3, 11, p);
      const SharpnessResult r = run(o, *mp.objective);
      REQUIRE(r.trace);
      CHECK(r.trace_method == TraceMethod::Exact);
      CHECK(r.trace->value == doctest::Approx(mp.dense.trace()).epsilon(tol));
    }
    {
      ModelProblem mp = model_problem("mlp:5-6-3:tanh", 20, 3, 11, p);
      const SharpnessResult r = run(o, *mp.objective);
      REQUIRE(r.trace);
      CHECK(r.trace_method == TraceMethod::ControlVariate);
      CHECK(r.trace->std_error > 0.0);
      CHECK(std::abs(r.trace->value - mp.dense.trace()) < 3 * r.trace->std_error);
      CHECK(r.trace_hvps <= o.trace_products);
    }
  }
}
