#include "analyzers/block_lanczos.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <vector>

#include "analyzers/gram_schmidt.h"

namespace hess {

namespace {

// A new column whose remainder after projection is below this fraction of its norm before
// projection spans nothing new: it is replaced by a random direction (an invariant subspace, or a
// block whose columns became dependent).
constexpr double kBreakdown = 1e-12;

// The remainder W (already projected on the basis V) as Q R with Q orthonormal to V and to itself:
// column by column, each projected on the earlier columns of Q (coefficients into R). A column that
// spans nothing new (‖w‖ below kBreakdown times `scale`) keeps its tiny R entry and is replaced in
// Q by a random direction orthogonal to everything, so the basis still grows by a full block; one
// that lost much of its norm to the block's earlier columns is projected on V once more
// (coefficients into C, the basis' part).
void factor_remainder(const Eigen::Ref<const Eigen::MatrixXd>& V, Eigen::MatrixXd& W,
                      const Eigen::VectorXd& scale, Eigen::MatrixXd& C, Eigen::MatrixXd& R,
                      Rng& rng) {
  const Eigen::Index P = W.rows();
  const Eigen::Index m = V.cols();
  const Eigen::Index b = W.cols();
  R = Eigen::MatrixXd::Zero(b, b);
  for (Eigen::Index j = 0; j < b; ++j) {
    auto w = W.col(j);
    const auto Q = W.leftCols(j);  // the block's columns done so far
    const Eigen::VectorXd norm_in = Eigen::VectorXd::Constant(1, w.norm());
    Eigen::MatrixXd r = Eigen::MatrixXd::Zero(j, 1);
    project_out(Q, w, r, norm_in);
    R.col(j).head(j) = r;
    double norm = w.norm();
    if (j > 0 && norm < kReorthogonalize * norm_in(0) && norm > kBreakdown * scale(j)) {
      Eigen::MatrixXd c = Eigen::MatrixXd::Zero(m, 1);
      project_out(V, w, c, Eigen::VectorXd::Constant(1, norm));
      C.col(j) += c;
      norm = w.norm();
    }
    R(j, j) = norm;
    if (norm > kBreakdown * scale(j)) {
      w /= norm;
      continue;
    }
    for (Eigen::Index i = 0; i < P; ++i) w(i) = rng.normal();
    Eigen::MatrixXd ignored_v = Eigen::MatrixXd::Zero(m, 1),
                    ignored_q = Eigen::MatrixXd::Zero(j, 1);
    const Eigen::VectorXd twice =
        Eigen::VectorXd::Constant(1, std::numeric_limits<double>::infinity());
    project_out(V, w, ignored_v, twice);  // a random vector against everything
    project_out(Q, w, ignored_q, twice);
    w.normalize();
  }
}

// Indices of ascending Ritz values in the order a restart keeps them: the wanted ones first (top
// largest, then bottom smallest), then the next nearest the wanted end(s), alternating when both.
std::vector<Eigen::Index> keep_order(Eigen::Index m, int top, int bottom) {
  std::vector<Eigen::Index> order;
  for (int i = 0; i < top; ++i) order.push_back(m - 1 - i);
  for (int i = 0; i < bottom; ++i) order.push_back(i);
  Eigen::Index hi = m - 1 - top;
  Eigen::Index lo = bottom;
  bool from_top = top > 0;
  while (lo <= hi) {
    order.push_back(from_top ? hi-- : lo++);
    if (top > 0 && bottom > 0) from_top = !from_top;
  }
  return order;
}

// The eigenvectors of `es` (coefficients in the basis) at order[0..n), as columns.
Eigen::MatrixXd ritz_coefficients(const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>& es,
                                  const std::vector<Eigen::Index>& order, int n) {
  Eigen::MatrixXd S(es.eigenvectors().rows(), n);
  for (int i = 0; i < n; ++i) S.col(i) = es.eigenvectors().col(order[i]);
  return S;
}

}  // namespace

double ritz_tolerance(double tol, double lambda) {
  return tol *
         std::max(std::abs(lambda), std::pow(std::numeric_limits<double>::epsilon(), 2.0 / 3));
}

BlockLanczosResult block_lanczos(const CurvatureOperator& A, KrylovDecomposition start,
                                 const BlockLanczosOptions& o, Rng& rng) {
  const Eigen::Index P = A.rows();
  const int nev = o.top + o.bottom;
  const int b = o.block;
  const Eigen::Index m0 = start.basis.cols();
  assert(nev >= 1 && b >= 1 && o.ncv <= P && o.ncv >= nev + b && o.ncv > nev);
  assert(start.remainder.rows() == P && start.remainder.cols() == b);
  assert(m0 == 0 || (start.basis.rows() == P && start.projection.rows() == m0 &&
                     start.projection.cols() == m0 && m0 + b <= P));
  const int keep = std::max(nev, std::min(o.ncv - b, nev + (o.ncv - nev) / 2));
  // Convergence is judged from 2 nev + 1 columns on (ARPACK's and Spectra's smallest default
  // basis), so that a few lucky early estimates cannot end the run.
  const Eigen::Index first_check = std::min<Eigen::Index>(o.ncv, 2 * nev + 1);
  // A start larger than ncv is judged (and restarted) before its first product.
  const Eigen::Index capacity = std::max<Eigen::Index>(o.ncv, m0 + b);

  Eigen::MatrixXd V;
  if (m0 == 0) {
    V.resize(P, capacity);
  } else {
    V = std::move(start.basis);
    V.conservativeResize(P, capacity);
  }
  // AV = A V column for column, as the products returned it (kept, moved and combined with V).
  const bool keep_products = o.keep_products && (m0 == 0 || start.products.cols() == m0);
  Eigen::MatrixXd AV;
  if (keep_products) {
    AV = std::move(start.products);
    AV.conservativeResize(P, capacity);
  }
  Eigen::MatrixXd H = Eigen::MatrixXd::Zero(capacity, capacity);
  H.topLeftCorner(m0, m0) = start.projection;
  // The newest block W (the next columns of the basis) and its coupling R: A V = V H + W R Eₘᵀ.
  Eigen::MatrixXd W = std::move(start.remainder);
  Eigen::MatrixXd R;
  {
    Eigen::VectorXd scale = W.colwise().norm().transpose();
    if (m0 > 0) scale = scale.cwiseMax(H.topLeftCorner(m0, m0).cwiseAbs().maxCoeff());
    Eigen::MatrixXd reorthogonalization = Eigen::MatrixXd::Zero(m0, b);
    factor_remainder(V.leftCols(m0), W, scale, reorthogonalization, R, rng);
  }
  Eigen::Index m = m0;
  Eigen::Index arrow = 0;  // columns kept by the last restart (0 before any)
  bool complete = m == P;  // the basis spans everything: its Ritz pairs are exact

  BlockLanczosResult r;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es;  // of H, last computed at m columns
  std::vector<Eigen::Index> order;                    // its pairs, wanted first
  for (;;) {
    const bool full = m + b > o.ncv;
    if (m > 0 && (m >= first_check || full)) {  // judged: past the first few columns, or full
      es.compute(H.topLeftCorner(m, m));
      order = keep_order(m, o.top, o.bottom);
      r.estimates.resize(nev);
      r.converged = 0;
      for (int i = 0; i < nev; ++i) {
        const Eigen::Index j = order[i];
        r.estimates(i) = complete ? 0.0 : (R * es.eigenvectors().col(j).tail(b)).norm();
        if (r.estimates(i) <= ritz_tolerance(o.tol, es.eigenvalues()(j))) ++r.converged;
      }
      if (complete || (m >= first_check && r.converged == nev)) {
        r.success = true;
        break;
      }
      if (full) {
        if (r.restarts == o.max_restarts) break;
        ++r.restarts;
        const Eigen::MatrixXd S = ritz_coefficients(es, order, keep);
        const Eigen::MatrixXd Y = V.leftCols(m) * S;
        V.leftCols(keep) = Y;
        if (keep_products) AV.leftCols(keep) = AV.leftCols(m) * S;
        H.setZero();
        for (int i = 0; i < keep; ++i) H(i, i) = es.eigenvalues()(order[i]);
        m = keep;
        arrow = keep;
      }
    }
    V.middleCols(m, b) = W;
    m += b;

    A.apply(V.middleCols(m - b, b), W);
    if (keep_products) AV.middleCols(m - b, b) = W;
    const Eigen::VectorXd scale = W.colwise().norm().transpose();
    Eigen::MatrixXd C = Eigen::MatrixXd::Zero(m, b);
    project_out(V.leftCols(m), W, C, scale);
    R = Eigen::MatrixXd::Zero(b, b);
    complete = m == P;
    if (!complete) factor_remainder(V.leftCols(m), W, scale, C, R, rng);
    // H keeps the block-tridiagonal couplings (and, for the first block after a restart, the
    // arrow to the kept Ritz vectors); the projections on older columns are zero in exact
    // arithmetic and only reorthogonalize, as in Spectra's and ARPACK's Lanczos.
    const Eigen::Index lo = m - b == arrow ? 0 : std::max<Eigen::Index>(0, m - 2 * b);
    H.block(lo, m - b, m - lo, b) = C.bottomRows(m - lo);
    H.block(m - b, lo, b, m - lo) = C.bottomRows(m - lo).transpose();
    const Eigen::MatrixXd D = C.bottomRows(b);
    H.block(m - b, m - b, b, b) = (D + D.transpose()) / 2;
  }

  r.values.resize(nev);
  for (int i = 0; i < nev; ++i) r.values(i) = es.eigenvalues()(order[i]);
  const Eigen::MatrixXd S = ritz_coefficients(es, order, nev);
  r.vectors = V.leftCols(m) * S;
  if (keep_products) r.products = AV.leftCols(m) * S;
  return r;
}

}  // namespace hess
