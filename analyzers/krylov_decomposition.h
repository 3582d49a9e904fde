#pragma once
// A Krylov decomposition A V = V H + W Eₘᵀ of a symmetric operator A: V (P x m) orthonormal,
// H = Vᵀ A V (m x m, symmetric), and the remainder W (P x b) orthogonal to V, whose columns
// continue the basis (Eₘ: the last b columns of the m x m identity). m steps of Lanczos from a
// start vector leave one with H tridiagonal and b = 1 (W = β_m q_{m+1}); a Lanczos run that starts
// from it (analyzers/block_lanczos.h) has already made those m products. With m = 0 it is just a
// start block W.
#include <Eigen/Core>

namespace hess {

struct KrylovDecomposition {
  Eigen::MatrixXd basis;       // V: P x m
  Eigen::MatrixXd projection;  // H: m x m
  Eigen::MatrixXd remainder;   // W: P x b

  bool empty() const { return remainder.cols() == 0; }
};

}  // namespace hess
