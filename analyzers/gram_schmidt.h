#pragma once
// Classical Gram-Schmidt against an orthonormal basis, with a second pass only where the first
// cancelled (Daniel, Gragg, Kaufman and Stewart's criterion, as ARPACK uses it): the Lanczos
// solvers' reorthogonalization (analyzers/block_lanczos.h, analyzers/density.h).
//
//   Eigen::MatrixXd C = Eigen::MatrixXd::Zero(B.cols(), Y.cols());
//   project_out(B, Y, C, Y.colwise().norm().transpose());   // Y ⟂ B, the coefficients in C
#include <Eigen/Core>

namespace hess {

// A projection that leaves less than this fraction of a column's norm has cancelled enough digits
// to need a second pass.
inline constexpr double kReorthogonalize = 0.7071067811865476;

// Y −= B (Bᵀ Y), coefficients added into C (B.cols() x Y.cols()); a second pass when a column lost
// more than kReorthogonalize of its norm (`before`: the column norms to compare with, those before
// the first pass or before an earlier projection of the same vector). An infinite `before` asks
// for both passes.
void project_out(const Eigen::Ref<const Eigen::MatrixXd>& B, Eigen::Ref<Eigen::MatrixXd> Y,
                 Eigen::Ref<Eigen::MatrixXd> C, const Eigen::VectorXd& before);

}  // namespace hess
