#pragma once
// Thick-restart block Lanczos with full reorthogonalization: the extreme eigenpairs of a symmetric
// operator from a Krylov basis that grows by `block` columns per product, judged after every
// product, and restarted only when the basis reaches `ncv` columns.
//
// Each step applies the operator to the newest block Q (one k-column product), projects A Q on the
// whole basis (classical Gram-Schmidt, a second pass where the first cancelled more than 1/√2 of
// a column: DGKS), stores the couplings to the newest blocks in H = Vᵀ A V and factors the
// remainder W = Q' R. Then A V = V H + Q' R Eₘᵀ, so a Ritz
// pair (θ, V s) of H has the residual ‖A V s − θ V s‖ = ‖R s_last‖ (s_last: the last block of s)
// without another product. The wanted pairs have converged when that estimate is at most
// tol·max(|θ|, ε^⅔) for all of them (Spectra's and ARPACK's rule). Spectra's restarted Lanczos
// looks at its Ritz values only when its basis is full, so it spends at least ncv products; this
// one stops at the first step where the estimates pass.
//
// At ncv columns the basis restarts thick (Wu and Simon's TRLan, Stewart's Krylov-Schur): it keeps
// the Ritz vectors nearest the wanted end(s), nev + (ncv − nev)/2 of them, H becomes their Ritz
// values, and Q' continues the basis (Yᵀ A Q' = (R S_last)ᵀ comes out of the next projection).
//
//
// The run starts from a Krylov decomposition (analyzers/krylov_decomposition.h): a start block
// alone, or the m columns of an earlier Lanczos run (an SLQ run's, say) with their projection and
// remainder, judged before the first product as if this run had made them; a start of more than
// ncv − block columns is restarted to its kept Ritz vectors then, unless it has converged already.
//
//   hess::BlockLanczosOptions o{.top = 5, .ncv = 100, .tol = 1e-6};
//   hess::KrylovDecomposition start;
//   start.remainder = X;  // P x block
//   hess::BlockLanczosResult r = hess::block_lanczos(A, std::move(start), o, rng);
#include <Eigen/Core>
#include <cstdint>

#include "analyzers/krylov_decomposition.h"
#include "engine/curvature_operator.h"
#include "engine/random.h"

namespace hess {

struct BlockLanczosOptions {
  int top = 0;     // largest eigenvalues wanted
  int bottom = 0;  // smallest eigenvalues wanted
  int ncv = 0;     // basis columns at most (> top + bottom, ≥ top + bottom + block)
  int block = 1;   // columns per product
  double tol = 1e-10;
  int max_restarts = 1000;
  // Keep A V beside V (as much memory again; from a start with a basis, only if it brings its
  // products): the Ritz vectors' products come as A V s, without another product.
  bool keep_products = false;
};

struct BlockLanczosResult {
  Eigen::VectorXd values;     // top largest (descending), then bottom smallest (ascending)
  Eigen::MatrixXd vectors;    // P x (top + bottom) Ritz vectors, aligned with values
  Eigen::VectorXd estimates;  // ‖R s_last‖ for each pair
  Eigen::MatrixXd products;   // A · vectors from the kept products (empty when none were kept)
  int converged = 0;          // pairs whose estimate is within the tolerance
  int64_t restarts = 0;
  bool success = false;  // all wanted pairs converged (or the basis spans an invariant subspace)
};

// The residual below which a Ritz pair counts as converged: tol·max(|λ|, ε^⅔).
double ritz_tolerance(double tol, double lambda);

// `start`: a remainder of `block` columns of length P (any nonzero; orthonormalized here against
// its basis and itself), and a basis of m columns (m + block ≤ P) with their projection, or none.
// Asserts its options are consistent (the caller validates the user's).
BlockLanczosResult block_lanczos(const CurvatureOperator& A, KrylovDecomposition start,
                                 const BlockLanczosOptions& options, Rng& rng);

}  // namespace hess
