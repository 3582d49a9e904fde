// analyzers/block_lanczos: thick-restart block Lanczos against dense eigendecompositions of
// matrices with chosen spectra (clustered, repeated, indefinite) and of a small model's Hessian:
// both ends, block sizes 1-4, restarts, the residual estimates against explicit residuals, and
// its product count against Spectra's restarted Lanczos at the same tolerance.
#include <doctest/doctest.h>

#include <Eigen/Eigenvalues>
#include <cmath>

#include "analyzers/block_lanczos.h"
#include "analyzers/eigen.h"
#include "support/curvature_fixture.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr double kRelTol = 1e-9;  // eigenvalues after a run at tol 1e-11, in double

// A start of `cols` Gaussian columns (a decomposition with no basis yet).
KrylovDecomposition gaussian_block(int64_t rows, int cols, uint64_t seed) {
  Rng rng(seed);
  KrylovDecomposition d;
  d.remainder.resize(rows, cols);
  for (Eigen::Index j = 0; j < cols; ++j)
    for (Eigen::Index i = 0; i < rows; ++i) d.remainder(i, j) = rng.normal();
  return d;
}

// The wanted values from ascending `all`: top largest descending, then bottom smallest ascending.
Eigen::VectorXd wanted(const Eigen::VectorXd& all, int top, int bottom) {
  Eigen::VectorXd w(top + bottom);
  w.head(top) = all.tail(top).reverse();
  w.tail(bottom) = all.head(bottom);
  return w;
}

// m steps of single-vector Lanczos from q with full reorthogonalization, written out here: the
// decomposition A Q = Q T + w e_mᵀ that an SLQ run leaves (with its products A Q if asked).
KrylovDecomposition lanczos_steps(const Eigen::MatrixXd& A, Eigen::VectorXd q, int m,
                                  bool with_products = false) {
  KrylovDecomposition d;
  d.basis.resize(A.rows(), m);
  d.projection = Eigen::MatrixXd::Zero(m, m);
  d.basis.col(0) = q.normalized();
  if (with_products) d.products.resize(A.rows(), m);
  for (int j = 0; j < m; ++j) {
    Eigen::VectorXd w = A * d.basis.col(j);
    if (with_products) d.products.col(j) = w;
    d.projection(j, j) = d.basis.col(j).dot(w);
    const auto Q = d.basis.leftCols(j + 1);
    for (int pass = 0; pass < 2; ++pass) w -= Q * (Q.transpose() * w);
    if (j + 1 == m) {
      d.remainder = w;
      break;
    }
    d.projection(j, j + 1) = d.projection(j + 1, j) = w.norm();
    d.basis.col(j + 1) = w.normalized();
  }
  return d;
}

// Runs block_lanczos on A from `start` and checks values, orthonormal vectors, estimates and true
// residuals.
BlockLanczosResult check_run(const DenseOperator& A, const Eigen::VectorXd& all,
                             const BlockLanczosOptions& o, KrylovDecomposition start,
                             uint64_t seed) {
  CAPTURE(o.top);
  CAPTURE(o.bottom);
  CAPTURE(o.block);
  CAPTURE(o.ncv);
  CAPTURE(start.basis.cols());
  Rng rng(seed);
  const BlockLanczosResult r = block_lanczos(A, std::move(start), o, rng);
  REQUIRE(r.success);
  CHECK(r.converged == o.top + o.bottom);
  const Eigen::VectorXd want = wanted(all, o.top, o.bottom);
  const double scale = all.cwiseAbs().maxCoeff();
  CHECK((r.values - want).cwiseAbs().maxCoeff() < kRelTol * scale);
  const Eigen::MatrixXd gram = r.vectors.transpose() * r.vectors;
  CHECK((gram - Eigen::MatrixXd::Identity(gram.rows(), gram.cols())).norm() < 1e-10);
  for (Eigen::Index i = 0; i < r.values.size(); ++i) {
    const double residual = (A.matrix() * r.vectors.col(i) - r.values(i) * r.vectors.col(i)).norm();
    CHECK(r.estimates(i) <= ritz_tolerance(o.tol, r.values(i)));
    // The estimate is the residual of the Lanczos relation: the explicit one agrees up to
    // rounding of the basis (a few ε‖A‖).
    CHECK(residual <= r.estimates(i) + 1e-12 * scale);
  }
  // Kept products: A x of each Ritz vector, combined from the basis' products.
  if (o.keep_products) {
    REQUIRE(r.products.cols() == r.vectors.cols());
    CHECK((r.products - A.matrix() * r.vectors).norm() < 1e-12 * scale);
  } else {
    CHECK(r.products.size() == 0);
  }
  return r;
}

// The same from a Gaussian start block.
BlockLanczosResult check_run(const DenseOperator& A, const Eigen::VectorXd& all,
                             const BlockLanczosOptions& o, uint64_t seed) {
  return check_run(A, all, o, gaussian_block(A.rows(), o.block, seed), seed);
}

}  // namespace

TEST_CASE("block lanczos: both ends of an indefinite spectrum, blocks 1 to 4, with restarts") {
  Eigen::VectorXd all = Eigen::VectorXd::LinSpaced(300, -2.0, 3.0);
  for (Eigen::Index i = 0; i < all.size(); ++i) all(i) += 0.3 * std::sin(7.0 * i);
  std::sort(all.data(), all.data() + all.size());
  const DenseOperator A(matrix_with_spectrum(all, 11));
  for (int block : {1, 2, 4}) {
    for (int ncv : {24, 120}) {  // 24: many thick restarts; 120: few or none
      BlockLanczosOptions o;
      o.block = block;
      o.ncv = ncv;
      o.tol = 1e-11;
      o.keep_products = block != 2;
      o.top = 4;
      const BlockLanczosResult top = check_run(A, all, o, 3);
      if (ncv == 24) CHECK(top.restarts > 0);
      o.top = 0;
      o.bottom = 3;
      check_run(A, all, o, 4);
      o.top = 3;
      check_run(A, all, o, 5);
    }
  }
}

TEST_CASE("block lanczos: a repeated top eigenvalue is found once per copy with a block") {
  // λ = 5 three times: a single start vector's Krylov space holds one direction of that
  // eigenspace (so single-vector Lanczos finds the value once), a block of 3 holds all of it.
  Eigen::VectorXd all = Eigen::VectorXd::LinSpaced(200, -1.0, 1.0);
  all.tail(3).setConstant(5.0);
  const DenseOperator A(matrix_with_spectrum(all, 12));
  BlockLanczosOptions o;
  o.top = 4;
  o.block = 3;
  o.ncv = 60;
  o.tol = 1e-11;
  const BlockLanczosResult r = check_run(A, all, o, 6);
  CHECK(r.values(2) == doctest::Approx(5.0).epsilon(1e-10));
}

TEST_CASE("block lanczos: a basis that spans everything gives the exact pairs") {
  const Eigen::VectorXd all = Eigen::VectorXd::LinSpaced(12, -1.0, 1.0);
  const DenseOperator A(matrix_with_spectrum(all, 13));
  BlockLanczosOptions o;
  o.top = 2;
  o.ncv = 12;
  o.tol = 1e-14;  // below what the estimates reach: the run ends because the basis is complete
  o.block = 2;
  const BlockLanczosResult r = check_run(A, all, o, 7);
  CHECK(r.restarts == 0);
  CHECK(A.applications() == 12);
}

TEST_CASE("block lanczos: a run out of restarts says so and keeps its best pairs") {
  const Eigen::VectorXd all = Eigen::VectorXd::LinSpaced(400, 0.0, 1.0);  // no gap at the top
  const DenseOperator A(matrix_with_spectrum(all, 14));
  BlockLanczosOptions o;
  o.top = 5;
  o.ncv = 12;
  o.tol = 1e-12;
  o.max_restarts = 2;
  Rng rng(8);
  const BlockLanczosResult r = block_lanczos(A, gaussian_block(400, 1, 8), o, rng);
  CHECK(!r.success);
  CHECK(r.restarts == 2);
  CHECK(r.converged < 5);
  REQUIRE(r.values.size() == 5);
  CHECK(r.estimates.maxCoeff() > ritz_tolerance(o.tol, 1.0));
  CHECK(r.values(0) <= 1.0 + 1e-12);
  CHECK(r.values(0) > 0.9);
}

TEST_CASE("lanczos needs fewer products than Spectra's restarted Lanczos on a model Hessian") {
  // Both judge convergence by the same residual estimate; Spectra does so only when its basis is
  // full. Double and float objectives.
  for (Precision precision : {Precision::F64, Precision::F32}) {
    CAPTURE(static_cast<int>(precision));
    const ModelProblem p = indefinite_mlp(precision);
    for (double tol : {1e-6, 1e-10}) {
      CAPTURE(tol);
      EigenOptions o;
      o.k = 5;
      o.tol = tol;
      o.method = EigenMethod::Lanczos;
      const EigenResult ours = run(o, *p.hessian);
      o.method = EigenMethod::Spectra;
      const EigenResult spectra = run(o, *p.hessian);
      MESSAGE("top-5 at tol " << tol << ": lanczos " << ours.hvps << " products, spectra "
                              << spectra.hvps);
      CHECK(ours.status == Status::Ok);
      CHECK(spectra.status == Status::Ok);
      CHECK(ours.hvps < spectra.hvps);
      const double rel = precision == Precision::F64 ? 1e-8 : 1e-4;
      CHECK(((ours.eigenvalues - spectra.eigenvalues).array() / spectra.eigenvalues.array())
                .abs()
                .maxCoeff() < rel);
    }
  }
}

TEST_CASE("block lanczos: a converged outlier does not come back as a ghost copy") {
  // λ₁ = 10 converges within a few steps while the next five, in a dense cluster below 1, take
  // dozens more. Once ‖A q‖ ≈ 10 has cancelled down to a small β, one Gram-Schmidt pass leaves
  // the new vector with a component along λ₁'s Ritz vector, and the run would find λ₁ again
  // (Paige's ghosts); the second pass keeps the basis orthogonal.
  Eigen::VectorXd all = Eigen::VectorXd::LinSpaced(500, 0.0, 1.0);
  all(499) = 10.0;
  const DenseOperator A(matrix_with_spectrum(all, 17));
  for (int block : {1, 2}) {
    BlockLanczosOptions o;
    o.top = 6;
    o.block = block;
    o.ncv = 120;
    o.tol = 1e-12;
    const BlockLanczosResult r = check_run(A, all, o, 9);
    CHECK(r.values(1) < 1.0 + 1e-9);
  }
}

TEST_CASE("block lanczos: continuing a Lanczos decomposition makes only the products it had not") {
  // A fresh run from q and a run continuing m steps of Lanczos from the same q span the same Krylov
  // spaces, so they stop at the same dimension: the continued run makes m products fewer (give or
  // take a step of rounding). A start longer than the basis is restarted before any product; one
  // that has converged makes none.
  Eigen::VectorXd all = Eigen::VectorXd::LinSpaced(300, -2.0, 3.0);
  for (Eigen::Index i = 0; i < all.size(); ++i) all(i) += 0.3 * std::sin(7.0 * i);
  std::sort(all.data(), all.data() + all.size());
  const DenseOperator A(matrix_with_spectrum(all, 18));
  const Eigen::VectorXd q = gaussian_block(300, 1, 10).remainder.col(0);
  BlockLanczosOptions o;
  o.top = 3;
  o.bottom = 2;
  o.ncv = 120;
  o.tol = 1e-11;
  KrylovDecomposition fresh_start;
  fresh_start.remainder = q;
  int64_t before = A.applications();
  const BlockLanczosResult fresh = check_run(A, all, o, fresh_start, 1);
  const int64_t fresh_products = A.applications() - before;
  CHECK(fresh.restarts == 0);
  for (int m : {8, 30, 60}) {
    CAPTURE(m);
    before = A.applications();
    const BlockLanczosResult continued = check_run(A, all, o, lanczos_steps(A.matrix(), q, m), 1);
    const int64_t products = A.applications() - before;
    CHECK(products + m >= fresh_products - 1);
    CHECK(products + m <= fresh_products + 1);
    CHECK(continued.restarts == 0);
  }

  o.ncv = 24;  // a start of 40 columns: restarted to its kept Ritz vectors, then on
  const BlockLanczosResult restarted = check_run(A, all, o, lanczos_steps(A.matrix(), q, 40), 1);
  CHECK(restarted.restarts > 0);
  // The same with the start's products kept through the restart; a start without products keeps
  // none (their products are not known).
  o.keep_products = true;
  const BlockLanczosResult kept = check_run(A, all, o, lanczos_steps(A.matrix(), q, 40, true), 1);
  CHECK(kept.restarts > 0);
  Rng rng(1);
  CHECK(block_lanczos(A, lanczos_steps(A.matrix(), q, 40), o, rng).products.size() == 0);
  o.keep_products = false;

  o.ncv = 120;
  before = A.applications();
  const BlockLanczosResult done =
      check_run(A, all, o, lanczos_steps(A.matrix(), q, static_cast<int>(fresh_products) + 10), 1);
  CHECK(A.applications() == before);
  CHECK(done.restarts == 0);
}
