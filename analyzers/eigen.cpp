#include "analyzers/eigen.h"

#include <Spectra/SymEigsSolver.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "analyzers/block_lanczos.h"
#include "analyzers/checked_operator.h"
#include "engine/field_error.h"
#include "engine/number_format.h"
#include "engine/random.h"

namespace hess {

namespace {

constexpr int kMinKrylov = 20;   // the default ncv is at least this (capped at P)
constexpr int kMaxKrylov = 120;  // lanczos' default ncv is at most this
constexpr double kBasisBytes = 256.0 * 1024 * 1024;  // lanczos' default basis fits this

// How many eigenvalues each end contributes.
struct Ends {
  int top = 0;
  int bottom = 0;
  int total() const { return top + bottom; }
};

Ends ends_of(const EigenOptions& o) {
  switch (o.which) {
    case Which::Largest:
      return {o.k, 0};
    case Which::Smallest:
      return {0, o.k};
    case Which::Both:
      return {o.k, o.k};
  }
  return {};
}

Spectra::SortRule selection_rule(Which w) {
  switch (w) {
    case Which::Largest:
      return Spectra::SortRule::LargestAlge;
    case Which::Smallest:
      return Spectra::SortRule::SmallestAlge;
    case Which::Both:
      return Spectra::SortRule::BothEnds;
  }
  return Spectra::SortRule::LargestAlge;
}

Eigen::VectorXd gaussian_vector(int64_t n, Rng& rng) {
  Eigen::VectorXd v(n);
  for (int64_t i = 0; i < n; ++i) v(i) = rng.normal();
  return v;
}

// The pairs at the wanted ends of a symmetric eigendecomposition (ascending eigenvalues):
// `top` from the largest, then `bottom` from the smallest.
void pick_ends(const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>& es, Ends ends,
               Eigen::VectorXd& values, Eigen::MatrixXd& coefficients) {
  const Eigen::Index n = es.eigenvalues().size();
  values.resize(ends.total());
  coefficients.resize(n, ends.total());
  for (int i = 0; i < ends.top; ++i) {
    values(i) = es.eigenvalues()(n - 1 - i);
    coefficients.col(i) = es.eigenvectors().col(n - 1 - i);
  }
  for (int i = 0; i < ends.bottom; ++i) {
    values(ends.top + i) = es.eigenvalues()(i);
    coefficients.col(ends.top + i) = es.eigenvectors().col(i);
  }
}

// Spectra's restarted Lanczos, opened to read the Ritz pairs of its final Krylov basis (Spectra
// itself returns only the converged ones).
class LanczosSolver final : public Spectra::SymEigsSolver<CurvatureOperator> {
 public:
  using Spectra::SymEigsSolver<CurvatureOperator>::SymEigsSolver;

  void ritz_pairs(Ends ends, Eigen::VectorXd& values, Eigen::MatrixXd& vectors) const {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(m_fac.matrix_H());
    Eigen::MatrixXd coefficients;
    pick_ends(es, ends, values, coefficients);
    vectors = m_fac.matrix_V() * coefficients;
  }
};

// Residuals ‖Hu − λu‖ from the products HU (one explicit product per vector unless `products`
// holds them already), then everything sorted by descending eigenvalue. With `rayleigh`, the
// eigenvalues are replaced by the Rayleigh quotients uᵀHu of the vectors. `F` makes the products:
// the run's operator A, or A in double (then the quotients and residuals are the double ones and
// `products`, A's, are not used).
void finish(const CheckedOperator& A, const CheckedOperator& F, Eigen::VectorXd values,
            const Eigen::MatrixXd& U, bool rayleigh, bool save_vectors, EigenResult& r,
            const Eigen::MatrixXd& products = Eigen::MatrixXd()) {
  const bool refined = &F != &A;
  r.double_quotients = refined;
  rayleigh = rayleigh || refined;
  const bool kept = !refined && products.cols() > 0;
  Eigen::MatrixXd made;
  if (!kept) F.apply(U, made);
  const Eigen::MatrixXd& HU = kept ? products : made;
  const Eigen::Index n = values.size();
  Eigen::VectorXd residuals(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    if (rayleigh) values(i) = U.col(i).dot(HU.col(i));
    residuals(i) = (HU.col(i) - values(i) * U.col(i)).norm();
  }
  std::vector<Eigen::Index> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](Eigen::Index a, Eigen::Index b) { return values(a) > values(b); });
  r.eigenvalues.resize(n);
  r.residuals.resize(n);
  if (save_vectors) r.vectors.resize(U.rows(), n);
  for (Eigen::Index i = 0; i < n; ++i) {
    r.eigenvalues(i) = values(order[i]);
    r.residuals(i) = residuals(order[i]);
    if (save_vectors) r.vectors.col(i) = U.col(order[i]);
  }
}

// All P eigenpairs from the assembled matrix (P products): when k reaches P, no Krylov method is
// needed and Spectra refuses nev = P.
void run_exhaustive(const EigenOptions& o, const CheckedOperator& A, const CheckedOperator& F,
                    EigenResult& r) {
  const Eigen::MatrixXd M = assemble_dense(A);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es((M + M.transpose()) / 2);
  Eigen::VectorXd values;
  Eigen::MatrixXd vectors;
  pick_ends(es, ends_of(o), values, vectors);
  r.converged = static_cast<int>(values.size());
  finish(A, F, values, vectors, false, o.save_vectors, r);
}

// Status and message of a Lanczos run that used up its restarts.
void restarts_exhausted(const char* method, const EigenOptions& o, int nev, EigenResult& r) {
  r.status = Status::NotConverged;
  r.message = std::string(method) + ": " + std::to_string(r.converged) + " of " +
              std::to_string(nev) + " eigenvalues converged in " +
              std::to_string(o.max_iterations) + " restarts; largest residual " +
              significant(r.residuals.maxCoeff(), 4);
}

// The basis size: given (and checked, with the block), or the method's default.
int krylov_dimension(const EigenOptions& o, int64_t P, int nev) {
  const int least = o.method == EigenMethod::Lanczos ? nev + o.block : nev + 1;
  if (least > P) {  // lanczos only: nev < P here
    throw FieldError("block", "(" + std::to_string(o.block) + ") plus " + std::to_string(nev) +
                                  " eigenvalues exceeds P (" + std::to_string(P) + ")");
  }
  if (o.ncv == 0) {
    int64_t ncv = std::max(2 * nev + 1, kMinKrylov);
    if (o.method == EigenMethod::Lanczos) {
      const int64_t fits = static_cast<int64_t>(kBasisBytes / (8.0 * static_cast<double>(P)));
      ncv = std::max<int64_t>({ncv, least, std::min<int64_t>(fits, kMaxKrylov)});
    }
    return static_cast<int>(std::min(P, ncv));
  }
  if (o.ncv < least || o.ncv > P) {
    throw FieldError(
        "ncv",
        "(" + std::to_string(o.ncv) + ") must satisfy " + std::to_string(nev) + " eigenvalues" +
            (o.method == EigenMethod::Lanczos ? " + block (" + std::to_string(o.block) + ") <= ncv"
                                              : " < ncv") +
            " <= P (" + std::to_string(P) + ")");
  }
  return o.ncv;
}

void run_lanczos(const EigenOptions& o, CheckedOperator& A, const CheckedOperator& F, Rng& rng,
                 EigenResult& r) {
  const int64_t P = A.rows();
  const Ends ends = ends_of(o);
  const int nev = ends.total();
  BlockLanczosOptions lo;
  lo.top = ends.top;
  lo.bottom = ends.bottom;
  lo.ncv = krylov_dimension(o, P, nev);
  lo.block = o.block;
  lo.tol = o.tol;
  lo.max_restarts = o.max_iterations;
  KrylovDecomposition start;
  if (!o.krylov_start.empty() && o.krylov_start.basis.cols() + o.block <= P) {
    start = o.krylov_start;
    r.start_columns = static_cast<int>(start.basis.cols());
  } else {
    start.remainder.resize(P, o.block);
    for (int j = 0; j < o.block; ++j) {
      start.remainder.col(j) =
          j == 0 && o.warm_start.size() > 0 ? o.warm_start : gaussian_vector(P, rng);
    }
  }
  lo.keep_products =
      keeps_products(A, std::max<Eigen::Index>(lo.ncv, start.basis.cols() + o.block));
  const BlockLanczosResult b = block_lanczos(A, std::move(start), lo, rng);
  r.iterations = b.restarts;
  r.ncv = lo.ncv;
  r.converged = b.converged;
  finish(A, F, b.values, b.vectors, false, o.save_vectors, r, b.products);
  if (!b.success) restarts_exhausted("lanczos", o, nev, r);
}

void run_spectra(const EigenOptions& o, CheckedOperator& A, const CheckedOperator& F, Rng& rng,
                 EigenResult& r) {
  const int64_t P = A.rows();
  const Ends ends = ends_of(o);
  const int nev = ends.total();
  const int ncv = krylov_dimension(o, P, nev);
  LanczosSolver solver(A, nev, ncv);
  const Eigen::VectorXd start = o.warm_start.size() > 0 ? o.warm_start : gaussian_vector(P, rng);
  solver.init(start.data());
  const Eigen::Index converged = solver.compute(selection_rule(o.which), o.max_iterations, o.tol,
                                                Spectra::SortRule::LargestAlge);
  r.iterations = solver.num_iterations();
  r.ncv = ncv;
  r.converged = static_cast<int>(converged);
  Eigen::VectorXd values;
  Eigen::MatrixXd vectors;
  solver.ritz_pairs(ends, values, vectors);
  finish(A, F, values, vectors, false, o.save_vectors, r);
  if (solver.info() != Spectra::CompInfo::Successful) restarts_exhausted("spectra", o, nev, r);
}

// The dominant eigenpair of sign·A on the complement of U's columns, by power iteration from v.
// Converged when the Rayleigh quotient ρ changes by less than tol·max(|ρ|, scale).
struct Dominant {
  double value = 0.0;
  Eigen::VectorXd vector;
  int64_t iterations = 0;
  bool converged = false;
};

void deflate(Eigen::VectorXd& v, const Eigen::MatrixXd& U) {
  if (U.cols() > 0) v -= U * (U.transpose() * v);
}

Dominant dominant(const CurvatureOperator& A, double sign, double scale, const Eigen::MatrixXd& U,
                  Eigen::VectorXd v, const EigenOptions& o) {
  deflate(v, U);
  v.normalize();
  Dominant d;
  Eigen::VectorXd w(v.size());
  double previous = 0.0;
  for (int it = 1; it <= o.max_iterations; ++it) {
    A.perform_op(v.data(), w.data());
    w *= sign;
    const double rho = v.dot(w);
    d = {rho, v, it, false};
    deflate(w, U);  // rounding would bring the found directions back
    const double norm = w.norm();
    if (norm == 0.0 ||
        (it > 1 && std::abs(rho - previous) <= o.tol * std::max(std::abs(rho), scale))) {
      d.converged = true;
      return d;
    }
    previous = rho;
    v = w / norm;
  }
  return d;
}

// k eigenpairs at one end: sign +1 the largest, −1 the smallest (the largest of −H).
void power_end(const EigenOptions& o, const CheckedOperator& A, double sign, int k, Rng& rng,
               std::vector<double>& values, Eigen::MatrixXd& U, int64_t& iterations, int& settled) {
  const int64_t P = A.rows();
  Eigen::MatrixXd found(P, 0);
  for (int i = 0; i < k; ++i) {
    const bool warm = i == 0 && o.warm_start.size() > 0;
    Dominant d = dominant(A, sign, 0.0, found, warm ? o.warm_start : gaussian_vector(P, rng), o);
    iterations += d.iterations;
    double value = d.value;
    if (d.value < 0.0) {
      // The dominant eigenvalue μ of sign·H is negative, so it is the far end: sign·H − μI has
      // eigenvalues ≥ 0 and its dominant one is the wanted end minus μ.
      const double mu = d.value;
      const ShiftedOperator shifted(A, sign * mu);
      d = dominant(shifted, sign, std::abs(mu), found, gaussian_vector(P, rng), o);
      iterations += d.iterations;
      value = d.value + mu;
    }
    if (d.converged) ++settled;
    values.push_back(sign * value);
    found.conservativeResize(P, i + 1);
    found.col(i) = d.vector;
  }
  U.conservativeResize(P, U.cols() + k);
  U.rightCols(k) = found;
}

void run_power(const EigenOptions& o, const CheckedOperator& A, const CheckedOperator& F, Rng& rng,
               EigenResult& r) {
  const Ends ends = ends_of(o);
  std::vector<double> values;
  Eigen::MatrixXd U(A.rows(), 0);
  int settled = 0;
  power_end(o, A, 1.0, ends.top, rng, values, U, r.iterations, settled);
  power_end(o, A, -1.0, ends.bottom, rng, values, U, r.iterations, settled);
  finish(A, F, Eigen::Map<const Eigen::VectorXd>(values.data(), values.size()), U, true,
         o.save_vectors, r);
  // What stopped the iteration is PyHessian's rule (the quotient stopped moving); whether an
  // eigenvalue converged is the residual's call, as for Lanczos: a quotient settles to tol long
  // before its vector does (the quotient's error is the square of the vector's).
  r.quotient_settled = settled;
  r.converged = 0;
  for (Eigen::Index i = 0; i < r.eigenvalues.size(); ++i) {
    if (r.residuals(i) <= ritz_tolerance(o.tol, r.eigenvalues(i))) ++r.converged;
  }
  if (r.converged < ends.total()) {
    r.status = Status::NotConverged;
    r.message = "power: the Rayleigh quotient settled (changed by less than tol) for " +
                std::to_string(settled) + " of " + std::to_string(ends.total()) +
                " eigenvalues within " + std::to_string(o.max_iterations) + " iterations, but " +
                std::to_string(r.converged) +
                " have a residual |Hu - lambda u| <= tol |lambda|; largest residual " +
                significant(r.residuals.maxCoeff(), 4);
  }
}

}  // namespace

void EigenOptions::validate() const {
  require_at_least("k", k, 1);
  require_positive_finite("tol", tol);
  if (ncv < 0) throw FieldError("ncv", "must be 0 (automatic) or positive");
  require_at_least("block", block, 1);
  require_at_least("max_iterations", max_iterations, 1);
  if (warm_start.size() > 0 && (!warm_start.allFinite() || warm_start.norm() == 0.0)) {
    throw FieldError("warm_start", "must be finite and nonzero");
  }
  if (krylov_start.empty()) return;
  if (method != EigenMethod::Lanczos) throw FieldError("krylov_start", "needs {method} lanczos");
  if (warm_start.size() > 0) throw FieldError("krylov_start", "excludes {warm_start}");
  const KrylovDecomposition& d = krylov_start;
  const Eigen::Index m = d.basis.cols();
  if (d.remainder.cols() != block || d.projection.rows() != m || d.projection.cols() != m ||
      (m > 0 && d.basis.rows() != d.remainder.rows())) {
    throw FieldError("krylov_start", "needs a remainder of {block} (" + std::to_string(block) +
                                         ") columns and an m x m projection of its m columns");
  }
  if (d.products.size() > 0 &&
      (d.products.cols() != m || d.products.rows() != d.remainder.rows())) {
    throw FieldError("krylov_start", "has products of " + std::to_string(d.products.cols()) +
                                         " columns for a basis of " + std::to_string(m));
  }
  if (!d.basis.allFinite() || !d.projection.allFinite() || !d.remainder.allFinite() ||
      !d.products.allFinite()) {
    throw FieldError("krylov_start", "must be finite");
  }
}

bool refines_in_double(const EigenOptions& options, const CurvatureOperator& op) {
  return op.product_roundoff() > CurvatureOperator::kDoubleRoundoff && options.tol < kFloatTolFloor;
}

EigenResult run(const EigenOptions& options, const CurvatureOperator& op,
                const CurvatureOperator* in_double) {
  options.validate();
  const int64_t P = op.rows();
  const int nev = ends_of(options).total();
  if (nev > P) {
    throw FieldError("k", "(" + std::to_string(options.k) +
                              (options.which == Which::Both ? " per end" : "") + ") exceeds P (" +
                              std::to_string(P) + ")");
  }
  if (options.warm_start.size() > 0 && options.warm_start.size() != P) {
    throw std::invalid_argument("warm_start has length " +
                                std::to_string(options.warm_start.size()) +
                                ", the operator has P = " + std::to_string(P) + " rows");
  }
  if (!options.krylov_start.empty() && options.krylov_start.remainder.rows() != P) {
    throw std::invalid_argument("krylov_start has length " +
                                std::to_string(options.krylov_start.remainder.rows()) +
                                ", the operator has P = " + std::to_string(P) + " rows");
  }
  if (in_double && in_double->rows() != P) {
    throw std::invalid_argument("in_double has " + std::to_string(in_double->rows()) +
                                " rows, the operator has P = " + std::to_string(P));
  }
  const bool refine = in_double && refines_in_double(options, op);
  const CheckedOperator D(refine ? *in_double : op);
  EigenResult result = run_checked<EigenResult>(op, [&](CheckedOperator& A, EigenResult& r) {
    const CheckedOperator& F = refine ? D : A;
    Rng rng(options.seed);
    if (options.method != EigenMethod::Power && nev >= P) {
      run_exhaustive(options, A, F, r);  // every pair: no Krylov method needed (Spectra refuses it)
      return;
    }
    switch (options.method) {
      case EigenMethod::Lanczos:
        run_lanczos(options, A, F, rng, r);
        break;
      case EigenMethod::Spectra:
        run_spectra(options, A, F, rng, r);
        break;
      case EigenMethod::Power:
        run_power(options, A, F, rng, r);
        break;
    }
  });
  result.hvps += D.applications();  // the double products (none unless refined)
  return result;
}

}  // namespace hess
