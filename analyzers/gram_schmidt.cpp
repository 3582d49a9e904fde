#include "analyzers/gram_schmidt.h"

namespace hess {

void project_out(const Eigen::Ref<const Eigen::MatrixXd>& B, Eigen::Ref<Eigen::MatrixXd> Y,
                 Eigen::Ref<Eigen::MatrixXd> C, const Eigen::VectorXd& before) {
  if (B.cols() == 0) return;
  for (int pass = 0; pass < 2; ++pass) {
    const Eigen::MatrixXd D = B.transpose() * Y;
    Y.noalias() -= B * D;
    C += D;
    if (pass == 1) return;
    const Eigen::VectorXd after = Y.colwise().norm().transpose();
    if ((after.array() >= kReorthogonalize * before.array()).all()) return;
  }
}

}  // namespace hess
