#include "engine/curvature_operator.h"

#include <algorithm>
#include <stdexcept>

#include "engine/multiaffine.h"

namespace hess {

void CurvatureOperator::apply_counted(const Eigen::MatrixXd& X, Eigen::MatrixXd& Y,
                                      RawProduct product) const {
  if (X.rows() != rows()) {
    throw std::invalid_argument("operator has " + std::to_string(rows()) + " rows, input has " +
                                std::to_string(X.rows()));
  }
  Y.resize(X.rows(), X.cols());
  if (X.cols() == 0) return;
  (this->*product)(X.data(), static_cast<int>(X.cols()), Y.data());
  applications_ += X.cols();
}

void CurvatureOperator::apply(const Eigen::MatrixXd& X, Eigen::MatrixXd& Y) const {
  apply_counted(X, Y, &CurvatureOperator::apply_raw);
}

void CurvatureOperator::perform_op(const double* x, double* y) const {
  apply_raw(x, 1, y);
  ++applications_;
}

void CurvatureOperator::gauss_newton_diagonal(Eigen::VectorXd& d) const {
  d.resize(rows());
  gauss_newton_diagonal_raw(d.data());
  ++diagonals_;
}

void CurvatureOperator::apply_residual(const Eigen::MatrixXd& X, Eigen::MatrixXd& Y) const {
  apply_counted(X, Y, &CurvatureOperator::apply_residual_raw);
}

void CurvatureOperator::gauss_newton_diagonal_raw(double*) const {
  throw std::logic_error("this curvature operator has no Gauss-Newton split: " + split().reason);
}

void CurvatureOperator::apply_residual_raw(const double*, int, double*) const {
  throw std::logic_error("this curvature operator has no Gauss-Newton split: " + split().reason);
}

ObjectiveOperator::ObjectiveOperator(Objective& objective, Curvature kind)
    : objective_(objective), kind_(kind) {
  if (kind_ == Curvature::GGN) {
    split_ = {CurvatureSplit::Exact, {}};
  } else {
    const Multiaffinity m = check_multiaffine(objective_.graph());
    split_ = {m.holds ? CurvatureSplit::Exact : CurvatureSplit::Residual, m.reason};
  }
}

double ObjectiveOperator::product_roundoff() const {
  return objective_.precision() == Precision::F32 ? std::numeric_limits<float>::epsilon() / 2
                                                  : kDoubleRoundoff;
}

void ObjectiveOperator::apply_raw(const double* X, int k, double* Y) const {
  objective_.curvature(X, k, Y, kind_);
}

void ObjectiveOperator::gauss_newton_diagonal_raw(double* d) const {
  objective_.ggn_diagonal(d);
}

void ObjectiveOperator::apply_residual_raw(const double* X, int k, double* Y) const {
  if (kind_ == Curvature::GGN) {
    std::fill(Y, Y + rows() * k, 0.0);
  } else {
    objective_.residual(X, k, Y);
  }
}

RestrictedOperator::RestrictedOperator(const CurvatureOperator& full, const Graph& graph,
                                       std::vector<int> blocks)
    : full_(full), full_rows_(graph.num_params()) {
  if (full.rows() != full_rows_)
    throw std::invalid_argument("RestrictedOperator: operator and graph differ in size");
  if (blocks.empty()) throw std::invalid_argument("RestrictedOperator: no blocks selected");
  for (int b : blocks) {
    if (b < 0 || b >= static_cast<int>(graph.blocks.size()))
      throw std::invalid_argument("RestrictedOperator: no block " + std::to_string(b));
    ranges_.emplace_back(graph.blocks[b].offset, graph.blocks[b].size());
    rows_ += graph.blocks[b].size();
  }
}

void RestrictedOperator::embed(const double* x, double* full) const {
  std::fill(full, full + full_rows_, 0.0);
  int64_t at = 0;
  for (const auto& [off, len] : ranges_) {
    std::copy(x + at, x + at + len, full + off);
    at += len;
  }
}

void RestrictedOperator::extract(const double* full, double* x) const {
  int64_t at = 0;
  for (const auto& [off, len] : ranges_) {
    std::copy(full + off, full + off + len, x + at);
    at += len;
  }
}

void RestrictedOperator::through_full(const double* X, int k, double* Y,
                                      FullProduct product) const {
  Eigen::MatrixXd F(full_rows_, k), G;
  for (int j = 0; j < k; ++j) embed(X + j * rows_, F.col(j).data());
  (full_.*product)(F, G);
  for (int j = 0; j < k; ++j) extract(G.col(j).data(), Y + j * rows_);
}

void RestrictedOperator::apply_raw(const double* X, int k, double* Y) const {
  through_full(X, k, Y, &CurvatureOperator::apply);
}

void RestrictedOperator::gauss_newton_diagonal_raw(double* d) const {
  Eigen::VectorXd full;
  full_.gauss_newton_diagonal(full);
  extract(full.data(), d);
}

void RestrictedOperator::apply_residual_raw(const double* X, int k, double* Y) const {
  through_full(X, k, Y, &CurvatureOperator::apply_residual);
}

void ShiftedOperator::gauss_newton_diagonal_raw(double* d) const {
  Eigen::VectorXd g;
  base_.gauss_newton_diagonal(g);
  Eigen::Map<Eigen::VectorXd>(d, rows()) = g.array() - sigma_;
}

void ShiftedOperator::apply_residual_raw(const double* X, int k, double* Y) const {
  Eigen::MatrixXd y;
  base_.apply_residual(Eigen::Map<const Eigen::MatrixXd>(X, rows(), k), y);
  Eigen::Map<Eigen::MatrixXd>(Y, rows(), k) = y;
}

void ShiftedOperator::apply_raw(const double* X, int k, double* Y) const {
  Eigen::Map<const Eigen::MatrixXd> x(X, rows(), k);
  Eigen::MatrixXd y;
  base_.apply(x, y);
  Eigen::Map<Eigen::MatrixXd>(Y, rows(), k) = y - sigma_ * x;
}

DenseOperator::DenseOperator(Eigen::MatrixXd A) : A_(std::move(A)) {
  if (A_.rows() != A_.cols()) throw std::invalid_argument("DenseOperator: matrix is not square");
}

void DenseOperator::apply_raw(const double* X, int k, double* Y) const {
  Eigen::Map<Eigen::MatrixXd>(Y, rows(), k).noalias() =
      A_ * Eigen::Map<const Eigen::MatrixXd>(X, rows(), k);
}

Eigen::MatrixXd assemble_dense(const CurvatureOperator& op, int columns_per_apply) {
  const int64_t n = op.rows();
  Eigen::MatrixXd A(n, n), Y;
  for (int64_t c = 0; c < n; c += columns_per_apply) {
    const int64_t k = std::min<int64_t>(columns_per_apply, n - c);
    Eigen::MatrixXd E = Eigen::MatrixXd::Zero(n, k);
    for (int64_t j = 0; j < k; ++j) E(c + j, j) = 1.0;
    op.apply(E, Y);
    A.middleCols(c, k) = Y;
  }
  return A;
}

}  // namespace hess
