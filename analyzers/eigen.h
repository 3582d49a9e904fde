#pragma once
// Extreme eigenvalues of a curvature operator: the k largest, the k smallest, or both ends, chosen
// by *algebraic* value. "Top" is never "largest magnitude": a Hessian away from a minimum has
// negative eigenvalues, and its most negative one can exceed λmax in magnitude (PyHessian's power
// iteration and SciPy's eigsh default 'LM' then report it as the top eigenvalue).
//
// Methods.
//   lanczos  thick-restart block Lanczos with full reorthogonalization (analyzers/block_lanczos.h):
//            a basis of at most `ncv` vectors grown by `block` columns per product (one k-column
//            product each step), whose Ritz pairs are judged after every product and which stops
//            as soon as the k wanted ones have residual estimates below tol·max(|λ|, ε^⅔); a full
//            basis restarts thick, keeping the Ritz vectors nearest the wanted end(s).
//   spectra  Spectra's implicitly restarted Lanczos (SymEigsSolver) with SortRule::LargestAlge,
//            SmallestAlge or BothEnds, on a Krylov space of `ncv` vectors, restarted until the k
//            wanted Ritz values have residual estimates below tol·max(|λ|, ε^⅔). It judges its
//            Ritz values only when its basis is full, so it makes at least ncv products. The Ritz
//            pairs are read from the final Lanczos basis, so a run that stops at
//            `max_iterations` still reports its best pairs, with status NotConverged.
//   power    power iteration with deflation, as PyHessian does it (kept for comparison), but
//            correct: each eigenvalue is the dominant one of the operator restricted to the
//            complement of those found; when that dominant eigenvalue μ has the wrong sign for the
//            end asked (μ < 0 for `largest`), the iteration continues on H − μI, whose dominant
//            eigenvalue is λmax − μ. Stops when the Rayleigh quotient changes by less than
//            tol·|Rayleigh quotient| between iterations (PyHessian's rule), but counts an
//            eigenvalue as converged only when its residual is below tol·|λ| as Lanczos does: the
//            quotient settles long before the vector (its error is the vector's squared), so a
//            run the rule stopped reports not_converged and says which rule held.
//
// Every method ends with one explicit product per eigenvector to report the residual ‖Hu − λu‖
// (counted in `hvps`). Eigenvalues are returned in descending order, residuals and vectors aligned.
//
// Float32 operators. Their products are linear only to float's rounding (residuals of converged
// float32 pairs are ~1e-7 of |λ|), so a tolerance below kFloatTolFloor asks for more than they can
// show. Given the same operator in double (`in_double`), such a run makes its final products there:
// each eigenvalue is the Rayleigh quotient uᵀHu of its float32-converged vector in double, whose
// error is the square of the vector's (‖r‖²/gap: ~1e-14 of λ instead of ~1e-8), and each residual
// is that of the double operator (EigenResult::double_quotients says so).
//
//   hess::EigenOptions o;
//   o.k = 5;
//   o.which = hess::Which::Largest;
//   hess::EigenResult r = hess::run(o, H);   // H: a hess::CurvatureOperator
//   if (r.status != hess::Status::Ok) ...    // r.message says why; r.residuals say how far

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <string_view>

#include "analyzers/krylov_decomposition.h"
#include "analyzers/status.h"
#include "engine/curvature_operator.h"
#include "engine/enum_names.h"

namespace hess {

// Which end of the spectrum, by algebraic value.
enum class Which : uint8_t { Largest, Smallest, Both };
template <>
struct EnumNames<Which> {
  static constexpr std::string_view what = "which";
  static constexpr std::string_view names[] = {"largest", "smallest", "both"};
};

enum class EigenMethod : uint8_t { Lanczos, Spectra, Power };
template <>
struct EnumNames<EigenMethod> {
  static constexpr std::string_view what = "eigen method";
  static constexpr std::string_view names[] = {"lanczos", "spectra", "power"};
};

struct EigenOptions {
  EigenMethod method = EigenMethod::Lanczos;
  Which which = Which::Largest;
  int k = 5;  // eigenvalues per end (Both: k largest and k smallest)
  double tol =
      1e-10;  // lanczos: relative residual estimate; power: relative change of the quotient
  // Krylov basis columns at most. 0: lanczos max(2 nev + 1, 20, block + nev, the columns of
  // doubles that fit 256 MiB, at most 120); spectra max(2 nev + 1, 20); both capped at P.
  int ncv = 0;
  int block = 1;  // lanczos: columns per product (block Lanczos when > 1)
  int max_iterations =
      1000;           // lanczos, spectra: restarts; power: iterations per eigenvalue and shift
  uint64_t seed = 0;  // start vectors (Gaussian) when no warm start is given
  Eigen::VectorXd
      warm_start;  // empty, or a start vector of length P (e.g. the previous top vector)
  // lanczos: empty, or the Lanczos decomposition of an earlier run on the same operator (an SLQ
  // run's: DensityOptions::keep_first_run) to continue from, its products already made: a
  // remainder of `block` columns and a basis of length P, with the basis' products or none (then
  // the Ritz vectors' residuals take a product of their own). Used when basis + block columns fit
  // in P (else the run starts afresh; EigenResult::start_columns says which).
  KrylovDecomposition krylov_start;
  bool save_vectors = false;  // keep the eigenvectors in the result

  // Throws std::invalid_argument naming the bad field.
  void validate() const;
};

struct EigenResult {
  Eigen::VectorXd eigenvalues;  // descending
  Eigen::VectorXd residuals;    // ‖H u − λ u‖ for each eigenvalue (u of unit norm)
  Eigen::MatrixXd vectors;      // P x n eigenvectors when save_vectors, else empty
  int64_t iterations = 0;       // lanczos, spectra: restarts; power: total iterations
  int ncv = 0;                  // lanczos, spectra: the Krylov basis size used; power: 0
  int converged = 0;  // eigenvalues whose residual ‖Hu − λu‖ ≤ tol·max(|λ|, ε^⅔)
  int quotient_settled = 0;  // power: eigenvalues whose Rayleigh quotient stopped moving (what
                             // stopped the iteration: PyHessian's rule); otherwise 0
  int start_columns = 0;     // lanczos: the columns of krylov_start continued from (0: none)
  // The eigenvalues are Rayleigh quotients and the residuals those of float64 products of the
  // vectors a float32 run converged (refines_in_double); otherwise the run's own arithmetic.
  bool double_quotients = false;
  // operator applications, the residual products included (none for lanczos when it kept its
  // basis' products: docs/algorithms.md; krylov_start's not counted)
  int64_t hvps = 0;
  double seconds = 0.0;
  Status status = Status::Ok;
  std::string message;
};

// The tolerance below which a float32 run's final products are made in double when the operator
// in double is given: float32 products round to ~6e-8 of each entry and their converged residuals
// measure 1.0–1.5e-7 of |λ| (the bundled MLP), so tolerances from 1e-6 up they can judge
// themselves.
constexpr double kFloatTolFloor = 1e-6;

// Whether run(options, op, in_double) makes its final products with `in_double`: op computes in
// float (product_roundoff) and options.tol < kFloatTolFloor.
bool refines_in_double(const EigenOptions& options, const CurvatureOperator& op);

// Throws std::invalid_argument for bad options, k beyond P (naming k and P), a warm start or
// Krylov start of the wrong length or an `in_double` of other rows than op; numerical outcomes are
// in the result's status. `in_double`: op's operator in double arithmetic (or null), used as
// refines_in_double says.
EigenResult run(const EigenOptions& options, const CurvatureOperator& op,
                const CurvatureOperator* in_double = nullptr);

}  // namespace hess
