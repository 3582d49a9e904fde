#include "support/objective_products.h"

namespace hess::test {

Products products(Objective& obj, const Eigen::MatrixXd& V) {
  Products p{0, Eigen::VectorXd(obj.num_params()), Eigen::MatrixXd(obj.num_params(), V.cols())};
  p.loss = obj.gradient(p.grad.data()).loss;
  obj.curvature(V.data(), static_cast<int>(V.cols()), p.hv.data(), Curvature::Hessian);
  return p;
}

}  // namespace hess::test
