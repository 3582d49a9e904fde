#include "analyzers/checked_operator.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/numerical_error.h"

namespace hess {

void CheckedOperator::apply_blocked(const Eigen::MatrixXd& X, Eigen::MatrixXd& Y, int block) const {
  Y.resize(X.rows(), X.cols());
  Eigen::MatrixXd part;
  for (Eigen::Index c = 0; c < X.cols(); c += block) {
    const Eigen::Index k = std::min<Eigen::Index>(block, X.cols() - c);
    apply(X.middleCols(c, k), part);
    Y.middleCols(c, k) = part;
  }
}

void CheckedOperator::apply_raw(const double* X, int k, double* Y) const {
  Eigen::MatrixXd out;
  base_.apply(Eigen::Map<const Eigen::MatrixXd>(X, rows(), k), out);
  if (!out.allFinite()) {
    const Eigen::Index bad = std::find_if(out.data(), out.data() + out.size(),
                                          [](double v) { return !std::isfinite(v); }) -
                             out.data();
    throw NumericalError("operator product is not finite (row " + std::to_string(bad % rows()) +
                         ", column " + std::to_string(bad / rows()) + ")");
  }
  Eigen::Map<Eigen::MatrixXd>(Y, rows(), k) = out;
}

}  // namespace hess
