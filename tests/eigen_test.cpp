// analyzers/eigen: Lanczos and power iteration against the dense eigendecomposition of real small
// models' Hessians (double and float objectives) and of explicit matrices; selection by algebraic
// value; residuals, statuses and option checks.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "analyzers/density.h"
#include "analyzers/eigen.h"
#include "engine/block_select.h"
#include "support/curvature_fixture.h"
#include "support/rejection.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr double kDoubleRelTol = 1e-8;  // issue 4: eigenvalues in double
constexpr double kFloatRelTol = 1e-4;   // issue 4: eigenvalues of a float objective
constexpr double kPowerRelTol = 1e-6;   // power iteration stopping at tol 1e-12 on the quotient

// The k largest (descending) or smallest (ascending) of ascending `all`.
Eigen::VectorXd top(const Eigen::VectorXd& all, int k) {
  return all.tail(k).reverse();
}
Eigen::VectorXd bottom(const Eigen::VectorXd& all, int k) {
  return all.head(k);
}

double max_rel_err(const Eigen::VectorXd& got, const Eigen::VectorXd& want) {
  REQUIRE(got.size() == want.size());
  return ((got - want).array().abs() / want.array().abs()).maxCoeff();
}

EigenOptions options(EigenMethod method, Which which, int k) {
  EigenOptions o;
  o.method = method;
  o.which = which;
  o.k = k;
  return o;
}

// The two Lanczos methods, and the default one with a block of 3 columns per product.
struct LanczosVariant {
  EigenMethod method;
  int block;
};
constexpr LanczosVariant kLanczosVariants[] = {
    {EigenMethod::Lanczos, 1}, {EigenMethod::Lanczos, 3}, {EigenMethod::Spectra, 1}};

}  // namespace

TEST_CASE(
    "lanczos: top-5 and bottom-5 of MLP and CNN Hessians match the dense eigendecomposition") {
  for (const TestModel& model : kTestModels) {
    INFO("model ", model.name);
    const ModelProblem p = model.make(Precision::F64);
    const Eigen::VectorXd& all = p.eigenvalues;
    REQUIRE(all(0) < 0.0);  // indefinite, so "top" and "largest magnitude" can differ
    for (const LanczosVariant& v : kLanczosVariants) {
      INFO("method ", name_of(v.method), ", block ", v.block);
      auto with = [&](Which which) {
        EigenOptions o = options(v.method, which, 5);
        o.block = v.block;
        return o;
      };
      const int64_t before = p.hessian->applications();
      const EigenResult large = run(with(Which::Largest), *p.hessian);
      CHECK(large.status == Status::Ok);
      CHECK(large.converged == 5);
      CHECK(large.hvps == p.hessian->applications() - before);
      CHECK(max_rel_err(large.eigenvalues, top(all, 5)) < kDoubleRelTol);
      CHECK(large.residuals.maxCoeff() < kDoubleRelTol * all.cwiseAbs().maxCoeff());

      const EigenResult small = run(with(Which::Smallest), *p.hessian);
      CHECK(small.status == Status::Ok);
      CHECK(max_rel_err(small.eigenvalues, bottom(all, 5).reverse()) < kDoubleRelTol);
      CHECK(small.eigenvalues(4) == doctest::Approx(all(0)).epsilon(kDoubleRelTol));

      const EigenResult both = run(with(Which::Both), *p.hessian);
      CHECK(both.status == Status::Ok);
      Eigen::VectorXd want(10);
      want << top(all, 5), bottom(all, 5).reverse();
      CHECK(max_rel_err(both.eigenvalues, want) < kDoubleRelTol);
    }
  }
}

TEST_CASE("lanczos on a float objective agrees with the double dense reference to 1e-4") {
  for (const TestModel& model : kTestModels) {
    INFO("model ", model.name);
    const ModelProblem p = model.make(Precision::F32);
    for (const LanczosVariant& v : kLanczosVariants) {
      INFO("method ", name_of(v.method), ", block ", v.block);
      EigenOptions o = options(v.method, Which::Largest, 5);
      o.block = v.block;
      o.tol = 1e-6;  // a float operator carries rounding near 1e-7 relative
      const EigenResult large = run(o, *p.hessian);
      CHECK(large.status == Status::Ok);
      CHECK(max_rel_err(large.eigenvalues, top(p.eigenvalues, 5)) < kFloatRelTol);
      o.which = Which::Smallest;
      const EigenResult small = run(o, *p.hessian);
      CHECK(small.status == Status::Ok);
      CHECK(max_rel_err(small.eigenvalues, bottom(p.eigenvalues, 5).reverse()) < kFloatRelTol);
    }
  }
}

TEST_CASE("a float run below float's reach ends on the double operator: double-accurate values") {
  constexpr double kRefinedRelTol = 1e-11;  // Rayleigh quotients: the vectors' error squared
  constexpr int k = 5;
  for (const TestModel& model : kTestModels) {
    INFO("model ", model.name);
    const ModelProblem f = model.make(Precision::F32);
    const ModelProblem d = model.make(Precision::F64);
    const Eigen::VectorXd want = top(d.eigenvalues, k);
    for (const LanczosVariant& v : kLanczosVariants) {
      INFO("method ", name_of(v.method), ", block ", v.block);
      EigenOptions o = options(v.method, Which::Largest, k);
      o.block = v.block;
      o.save_vectors = true;
      REQUIRE(o.tol < kFloatTolFloor);  // the default tolerance
      CHECK(refines_in_double(o, *f.hessian));
      CHECK_FALSE(refines_in_double(o, *d.hessian));

      const EigenResult plain = run(o, *f.hessian);
      CHECK_FALSE(plain.double_quotients);
      const int64_t float_before = f.hessian->applications();
      const int64_t double_before = d.hessian->applications();
      const EigenResult refined = run(o, *f.hessian, d.hessian.get());
      REQUIRE(refined.status == Status::Ok);
      CHECK(refined.double_quotients);
      const int64_t float_made = f.hessian->applications() - float_before;
      CHECK(d.hessian->applications() - double_before == k);  // one double product per vector
      CHECK(refined.hvps == float_made + k);
      // The same float32 run as without the double operator, k fewer float products.
      CHECK(float_made == plain.hvps - k);
      const double plain_err = max_rel_err(plain.eigenvalues, want);
      const double refined_err = max_rel_err(refined.eigenvalues, want);
      MESSAGE(std::string(model.name), " ", name_of(v.method), " block ", v.block,
              ": float32 eigenvalues ", plain_err,
              " from the dense double ones, with double quotients ", refined_err);
      CHECK(refined_err < kRefinedRelTol);
      CHECK(plain_err > 10 * kRefinedRelTol);  // float32 alone cannot get there
      // Quotients and residuals are the dense double matrix's for the saved vectors.
      const Eigen::MatrixXd& U = refined.vectors;
      for (int i = 0; i < k; ++i) {
        const Eigen::VectorXd Hu = d.dense * U.col(i);
        CHECK(refined.eigenvalues(i) == doctest::Approx(U.col(i).dot(Hu)).epsilon(1e-13));
        CHECK(refined.residuals(i) ==
              doctest::Approx((Hu - refined.eigenvalues(i) * U.col(i)).norm()).epsilon(1e-6));
      }
    }
  }
}

TEST_CASE("float runs within float's reach, and double runs, make no double product") {
  const ModelProblem f = indefinite_mlp(Precision::F32);
  const ModelProblem d = indefinite_mlp(Precision::F64);
  EigenOptions o = options(EigenMethod::Lanczos, Which::Largest, 3);
  o.tol = kFloatTolFloor;
  CHECK_FALSE(refines_in_double(o, *f.hessian));
  const int64_t before = d.hessian->applications();
  const EigenResult r = run(o, *f.hessian, d.hessian.get());
  CHECK(r.status == Status::Ok);
  CHECK_FALSE(r.double_quotients);
  o.tol = 1e-10;
  const EigenResult r64 = run(o, *d.hessian, d.hessian.get());
  CHECK_FALSE(r64.double_quotients);
  CHECK(d.hessian->applications() - before == r64.hvps);  // only r64's own products
  // An operator of another size is a caller mistake.
  const ModelProblem other = indefinite_cnn(Precision::F64);
  CHECK_THROWS_WITH_AS(run(o, *f.hessian, other.hessian.get()), doctest::Contains("in_double has"),
                       std::invalid_argument);
}

// Power iteration stops by PyHessian's rule (the Rayleigh quotient moved by less than tol) but
// counts an eigenvalue converged only by its residual ‖Hu − λu‖ ≤ tol·|λ|, as Lanczos does.
static void check_power_convergence(const EigenOptions& o, const EigenResult& r, int k) {
  CHECK(r.quotient_settled == k);
  int small_residuals = 0;
  for (Eigen::Index i = 0; i < r.residuals.size(); ++i)
    small_residuals += r.residuals(i) <= o.tol * std::abs(r.eigenvalues(i)) ? 1 : 0;
  CHECK(r.converged == small_residuals);
  CHECK((r.status == Status::Ok) == (small_residuals == k));
}

TEST_CASE("power iteration: a settled quotient with a large residual is not converged") {
  // PyHessian's stopping rule holds long before the vector is accurate: the quotient's error is
  // the square of the vector's. At tol 1e-10 the quotients settle, residuals stay far above it.
  const ModelProblem p = indefinite_mlp();
  EigenOptions o = options(EigenMethod::Power, Which::Largest, 3);
  o.tol = 1e-10;
  o.max_iterations = 20000;
  const EigenResult r = run(o, *p.hessian);
  MESSAGE("power at tol 1e-10: largest residual " << r.residuals.maxCoeff());
  check_power_convergence(o, r, 3);
  REQUIRE(r.residuals.maxCoeff() > o.tol * std::abs(r.eigenvalues(0)));
  CHECK(r.status == Status::NotConverged);
  CHECK(r.message.find("Rayleigh quotient settled") != std::string::npos);
  CHECK(r.message.find("residual") != std::string::npos);
  // Lanczos at the same tol converges by the same residual test.
  EigenOptions l = options(EigenMethod::Lanczos, Which::Largest, 3);
  l.tol = 1e-10;
  const EigenResult lanczos = run(l, *p.hessian);
  CHECK(lanczos.status == Status::Ok);
  CHECK(lanczos.converged == 3);
  CHECK(lanczos.residuals.maxCoeff() <= 1e-10 * std::abs(lanczos.eigenvalues(0)));
}

TEST_CASE("power iteration agrees with lanczos but needs more HVPs") {
  const ModelProblem p = indefinite_mlp();
  EigenOptions o = options(EigenMethod::Power, Which::Largest, 5);
  o.tol = 1e-12;
  o.max_iterations = 20000;
  const EigenResult power = run(o, *p.hessian);
  check_power_convergence(o, power, 5);
  CHECK(max_rel_err(power.eigenvalues, top(p.eigenvalues, 5)) < kPowerRelTol);

  const EigenResult lanczos = run(options(EigenMethod::Lanczos, Which::Largest, 5), *p.hessian);
  MESSAGE("top-5 HVPs: lanczos " << lanczos.hvps << ", power " << power.hvps);
  CHECK(power.hvps > lanczos.hvps);

  o.which = Which::Smallest;
  o.k = 2;
  const EigenResult low = run(o, *p.hessian);
  check_power_convergence(o, low, 2);
  CHECK(max_rel_err(low.eigenvalues, bottom(p.eigenvalues, 2).reverse()) < kPowerRelTol);
}

TEST_CASE("\"largest\" is the largest algebraic eigenvalue, never the largest magnitude") {
  // |λmin| = 10 > λmax = 3.
  Eigen::VectorXd spectrum = Eigen::VectorXd::LinSpaced(60, -1.0, 1.0);
  spectrum(0) = -10.0;
  spectrum(1) = -9.0;
  spectrum(59) = 3.0;
  spectrum(58) = 2.0;
  const DenseOperator A(matrix_with_spectrum(spectrum, 5));
  for (EigenMethod method : {EigenMethod::Lanczos, EigenMethod::Power}) {
    CAPTURE(name_of(method));
    EigenOptions o = options(method, Which::Largest, 2);
    o.max_iterations = 5000;
    const EigenResult large = run(o, A);
    if (method == EigenMethod::Power) {
      check_power_convergence(o, large, 2);
    } else {
      CHECK(large.status == Status::Ok);
    }
    CHECK(large.eigenvalues(0) == doctest::Approx(3.0).epsilon(1e-8));
    CHECK(large.eigenvalues(1) == doctest::Approx(2.0).epsilon(1e-8));
    o.which = Which::Smallest;
    const EigenResult small = run(o, A);
    CHECK(small.eigenvalues(0) == doctest::Approx(-9.0).epsilon(1e-8));
    CHECK(small.eigenvalues(1) == doctest::Approx(-10.0).epsilon(1e-8));
  }
  // And the mirror image: a dominant positive eigenvalue when the smallest are asked.
  const DenseOperator B(matrix_with_spectrum(-spectrum, 6));
  EigenOptions o = options(EigenMethod::Power, Which::Smallest, 1);
  o.max_iterations = 5000;
  CHECK(run(o, B).eigenvalues(0) == doctest::Approx(-3.0).epsilon(1e-8));
}

TEST_CASE("saved eigenvectors are orthonormal eigenvectors of the dense Hessian") {
  const ModelProblem p = indefinite_mlp();
  EigenOptions o = options(EigenMethod::Lanczos, Which::Both, 3);
  o.save_vectors = true;
  const EigenResult r = run(o, *p.hessian);
  REQUIRE(r.vectors.cols() == 6);
  const Eigen::MatrixXd gram = r.vectors.transpose() * r.vectors;
  CHECK((gram - Eigen::MatrixXd::Identity(6, 6)).norm() < 1e-10);
  for (int i = 0; i < 6; ++i) {
    const double dense_residual =
        (p.dense * r.vectors.col(i) - r.eigenvalues(i) * r.vectors.col(i)).norm();
    CHECK(dense_residual == doctest::Approx(r.residuals(i)).epsilon(1e-3).scale(1e-12));
    CHECK(dense_residual < 1e-8 * p.eigenvalues.cwiseAbs().maxCoeff());
  }
  CHECK(run(options(EigenMethod::Lanczos, Which::Largest, 2), *p.hessian).vectors.size() == 0);
}

TEST_CASE("a warm start from a converged vector makes power iteration stop at once") {
  const ModelProblem p = indefinite_mlp();
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(p.dense);
  EigenOptions o = options(EigenMethod::Power, Which::Largest, 1);
  o.tol = 1e-12;
  o.warm_start = es.eigenvectors().rightCols(1);
  const EigenResult warm = run(o, *p.hessian);
  CHECK(warm.status == Status::Ok);
  CHECK(warm.iterations <= 3);
  CHECK(warm.eigenvalues(0) == doctest::Approx(p.eigenvalues.maxCoeff()).epsilon(1e-10));
  o.method = EigenMethod::Lanczos;
  const EigenResult lanczos = run(o, *p.hessian);
  CHECK(lanczos.eigenvalues(0) == doctest::Approx(p.eigenvalues.maxCoeff()).epsilon(kDoubleRelTol));
}

TEST_CASE("per-layer eigenvalues through a RestrictedOperator match the dense diagonal block") {
  const ModelProblem p = indefinite_mlp();
  const std::vector<int> blocks = select_blocks(p.model.graph, {"fc2.*"});
  const RestrictedOperator R(*p.hessian, p.model.graph, blocks);
  const auto [offset, length] = R.ranges()[0];
  const int64_t n = R.rows();
  REQUIRE(R.ranges().size() == 2);
  REQUIRE(R.ranges()[1].first == offset + length);  // weight and bias adjacent
  const Eigen::VectorXd want =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(p.dense.block(offset, offset, n, n))
          .eigenvalues();
  const EigenResult r = run(options(EigenMethod::Lanczos, Which::Both, 2), R);
  Eigen::VectorXd expected(4);
  expected << top(want, 2), bottom(want, 2).reverse();
  CHECK(max_rel_err(r.eigenvalues, expected) < kDoubleRelTol);
}

TEST_CASE("k = P is answered exactly; k beyond P is a caller mistake naming k and P") {
  const Eigen::VectorXd spectrum = (Eigen::VectorXd(4) << -2.0, 0.5, 1.0, 4.0).finished();
  const DenseOperator A(matrix_with_spectrum(spectrum, 2));
  const EigenResult r = run(options(EigenMethod::Lanczos, Which::Largest, 4), A);
  CHECK(max_rel_err(r.eigenvalues, spectrum.reverse()) < 1e-12);
  CHECK(r.residuals.maxCoeff() < 1e-12);
  const EigenResult both = run(options(EigenMethod::Lanczos, Which::Both, 2), A);
  CHECK(max_rel_err(both.eigenvalues, spectrum.reverse()) < 1e-12);

  const std::string message = rejection(options(EigenMethod::Lanczos, Which::Largest, 5), A);
  CHECK(message.starts_with("k (5)"));
  CHECK(message.find("P (4)") != std::string::npos);
  CHECK(names_field(rejection(options(EigenMethod::Power, Which::Both, 3), A), "k"));
}

TEST_CASE("lanczos continuing an SLQ run: the dense eigenvalues for fewer products") {
  for (Precision precision : {Precision::F64, Precision::F32}) {
    CAPTURE(static_cast<int>(precision));
    const ModelProblem p = indefinite_mlp(precision);
    const double rel = precision == Precision::F64 ? kDoubleRelTol : kFloatRelTol;
    DensityOptions slq;
    slq.runs = 2;
    slq.steps = 30;
    slq.keep_first_run = true;
    DensityResult d = run(slq, *p.hessian);
    for (Which which : {Which::Largest, Which::Both}) {
      CAPTURE(name_of(which));
      EigenOptions o = options(EigenMethod::Lanczos, which, 5);
      o.tol = precision == Precision::F64 ? 1e-10 : 1e-6;
      const EigenResult fresh = run(o, *p.hessian);
      o.krylov_start = d.first_run;
      const EigenResult continued = run(o, *p.hessian);
      // Double products are kept (SLQ's and the run's own), and the Ritz vectors' residuals come
      // from them; float32 products are not, and the residuals take a product per vector. A start
      // without products makes that product in double too, for the same residuals.
      CHECK(d.first_run.products.cols() == (precision == Precision::F64 ? 30 : 0));
      o.krylov_start.products.resize(0, 0);
      const EigenResult without = run(o, *p.hessian);
      CHECK(without.hvps ==
            continued.hvps + (precision == Precision::F64 ? continued.eigenvalues.size() : 0));
      CHECK((without.residuals - continued.residuals).cwiseAbs().maxCoeff() <
            1e-12 * continued.eigenvalues.cwiseAbs().maxCoeff());
      CHECK(continued.status == Status::Ok);
      CHECK(continued.start_columns == 30);
      CHECK(fresh.start_columns == 0);
      MESSAGE("top-5 " << name_of(which) << ": " << fresh.hvps << " products fresh, "
                       << continued.hvps << " after 30 SLQ steps");
      CHECK(continued.hvps < fresh.hvps);
      Eigen::VectorXd want = top(p.eigenvalues, 5);
      if (which == Which::Both) {
        want.conservativeResize(10);
        want.tail(5) = bottom(p.eigenvalues, 5).reverse();
      }
      CHECK(max_rel_err(continued.eigenvalues, want) < rel);
    }
  }
}

TEST_CASE("bad options are rejected naming the field") {
  const DenseOperator A(matrix_with_spectrum(Eigen::VectorXd::LinSpaced(30, -1.0, 2.0), 1));
  auto rejects = [&](const EigenOptions& o, const std::string& field) {
    CAPTURE(field);
    CHECK(names_field(rejection(o, A), field));
  };
  EigenOptions o;
  o.k = 0;
  rejects(o, "k");
  o = {};
  o.tol = -1.0;
  rejects(o, "tol");
  o = {};
  o.tol = std::numeric_limits<double>::quiet_NaN();
  rejects(o, "tol");
  o = {};
  o.k = 5;
  o.ncv = 5;
  rejects(o, "ncv");
  o.ncv = 31;
  rejects(o, "ncv");
  o = {};
  o.max_iterations = 0;
  rejects(o, "max_iterations");
  o = {};
  o.warm_start = Eigen::VectorXd::Ones(29);
  rejects(o, "warm_start");
  o.warm_start = Eigen::VectorXd::Zero(30);
  rejects(o, "warm_start");
  o = {};
  o.krylov_start.remainder = Eigen::MatrixXd::Ones(29, 1);
  rejects(o, "krylov_start");  // not of length P
  o.krylov_start.remainder = Eigen::MatrixXd::Ones(30, 1);
  o.block = 2;
  rejects(o, "krylov_start");  // a remainder of one column for a block of two
  o.block = 1;
  o.krylov_start.basis = Eigen::MatrixXd::Zero(30, 2);
  o.krylov_start.projection = Eigen::MatrixXd::Zero(3, 3);
  rejects(o, "krylov_start");  // a projection of the wrong size
  o.krylov_start.basis.resize(0, 0);
  o.krylov_start.projection.resize(0, 0);
  o.method = EigenMethod::Spectra;
  rejects(o, "krylov_start");
  o.method = EigenMethod::Lanczos;
  o.warm_start = Eigen::VectorXd::Ones(30);
  rejects(o, "krylov_start");
  o.warm_start.resize(0);
  o.krylov_start.remainder(3, 0) = std::numeric_limits<double>::quiet_NaN();
  rejects(o, "krylov_start");
  o.krylov_start.remainder(3, 0) = 1.0;
  o.krylov_start.basis = Eigen::MatrixXd::Zero(30, 2);
  o.krylov_start.projection = Eigen::MatrixXd::Zero(2, 2);
  o.krylov_start.products = Eigen::MatrixXd::Zero(30, 3);
  rejects(o, "krylov_start");  // products of three columns for a basis of two

  CHECK(parse_enum<Which>("largest") == Which::Largest);
  CHECK(parse_enum<Which>(name_of(Which::Both)) == Which::Both);
  CHECK(parse_enum<EigenMethod>(name_of(EigenMethod::Power)) == EigenMethod::Power);
  CHECK_THROWS_AS(parse_enum<Which>("magnitude"), std::invalid_argument);
  CHECK_THROWS_AS(parse_enum<EigenMethod>("arpack"), std::invalid_argument);
}

TEST_CASE("an unconverged solver says so and still reports its residuals") {
  const ModelProblem p = indefinite_mlp();
  EigenOptions o = options(EigenMethod::Lanczos, Which::Largest, 5);
  o.ncv = 7;
  o.max_iterations = 1;
  o.tol = 1e-14;
  const EigenResult r = run(o, *p.hessian);
  CHECK(r.status == Status::NotConverged);
  CHECK(r.converged < 5);
  CHECK(r.eigenvalues.size() == 5);
  CHECK(r.residuals.maxCoeff() > 1e-6);
  CHECK(r.message.find("lanczos") != std::string::npos);

  o.method = EigenMethod::Power;
  o.max_iterations = 3;
  const EigenResult q = run(o, *p.hessian);
  CHECK(q.status == Status::NotConverged);
  CHECK(q.residuals.size() == 5);
  CHECK(q.message.find("power") != std::string::npos);
}

TEST_CASE("NaN from the operator becomes Status::NonFinite") {
  ModelProblem p = indefinite_mlp();
  poison_parameter(p, 7);
  for (EigenMethod method : {EigenMethod::Lanczos, EigenMethod::Power}) {
    const EigenResult r = run(options(method, Which::Largest, 3), *p.hessian);
    CHECK(r.status == Status::NonFinite);
    CHECK(!r.message.empty());
  }
  Eigen::MatrixXd M = matrix_with_spectrum(Eigen::VectorXd::LinSpaced(30, -1.0, 2.0), 1);
  M(3, 4) = M(4, 3) = std::numeric_limits<double>::infinity();
  const EigenResult r = run(options(EigenMethod::Lanczos, Which::Smallest, 2), DenseOperator(M));
  CHECK(r.status == Status::NonFinite);
  CHECK(r.message.find("not finite") != std::string::npos);
}
