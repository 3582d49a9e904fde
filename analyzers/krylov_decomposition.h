#pragma once
// A Krylov decomposition A V = V H + W Eₘᵀ of a symmetric operator A: V (P x m) orthonormal,
// H = Vᵀ A V (m x m, symmetric), and the remainder W (P x b) orthogonal to V, whose columns
// continue the basis (Eₘ: the last b columns of the m x m identity). m steps of Lanczos from a
// start vector leave one with H tridiagonal and b = 1 (W = β_m q_{m+1}); a Lanczos run that starts
// from it (analyzers/block_lanczos.h) has already made those m products. With m = 0 it is just a
// start block W.
#include <Eigen/Core>

#include "engine/curvature_operator.h"

namespace hess {

struct KrylovDecomposition {
  Eigen::MatrixXd basis;       // V: P x m
  Eigen::MatrixXd projection;  // H: m x m
  Eigen::MatrixXd remainder;   // W: P x b
  Eigen::MatrixXd products;    // A V as the operator returned it (P x m), or empty: not kept

  bool empty() const { return remainder.cols() == 0; }
};

// Bytes a Lanczos run may spend on keeping the products A V beside its basis V (as many again).
constexpr double kKeptProductsBytes = 256.0 * 1024 * 1024;

// Whether a Lanczos run of `columns` basis columns on A keeps its products A V, from which a Ritz
// vector's product A (V s) comes as (A V) s without applying A once more: when they fit
// kKeptProductsBytes and A computes in double. Float32 products are linear only to float's
// rounding, so (A V) s would leave out the rounding of a product of V s (5e-8 of ‖A x‖ on the
// benchmark CNN) and report a residual below what the operator can show; such runs make it.
inline bool keeps_products(const CurvatureOperator& A, Eigen::Index columns) {
  return A.product_roundoff() <= CurvatureOperator::kDoubleRoundoff &&
         8.0 * static_cast<double>(A.rows()) * static_cast<double>(columns) <= kKeptProductsBytes;
}

}  // namespace hess
