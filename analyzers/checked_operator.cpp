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

namespace {
void check_finite(const double* y, int64_t rows, int64_t cols, const char* what) {
  const double* end = y + rows * cols;
  const double* bad = std::find_if(y, end, [](double v) { return !std::isfinite(v); });
  if (bad == end) return;
  const int64_t at = bad - y;
  throw NumericalError(std::string(what) + " is not finite (row " + std::to_string(at % rows) +
                       ", column " + std::to_string(at / rows) + ")");
}
}  // namespace

void CheckedOperator::apply_raw(const double* X, int k, double* Y) const {
  Eigen::MatrixXd out;
  base_.apply(Eigen::Map<const Eigen::MatrixXd>(X, rows(), k), out);
  check_finite(out.data(), rows(), k, "operator product");
  Eigen::Map<Eigen::MatrixXd>(Y, rows(), k) = out;
}

void CheckedOperator::gauss_newton_diagonal_raw(double* d) const {
  Eigen::VectorXd out;
  base_.gauss_newton_diagonal(out);
  check_finite(out.data(), rows(), 1, "Gauss-Newton diagonal");
  Eigen::Map<Eigen::VectorXd>(d, rows()) = out;
}

void CheckedOperator::apply_residual_raw(const double* X, int k, double* Y) const {
  Eigen::MatrixXd out;
  base_.apply_residual(Eigen::Map<const Eigen::MatrixXd>(X, rows(), k), out);
  check_finite(out.data(), rows(), k, "residual product");
  Eigen::Map<Eigen::MatrixXd>(Y, rows(), k) = out;
}

}  // namespace hess
