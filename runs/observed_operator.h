#pragma once
// A curvature operator that reports its products to an Observer as they happen: progress for
// analyzers that only see an operator (eigen, trace, diag, density), without changing them.
//
//   hess::runs::ObservedOperator op(target.op(), observer, expected_hvps);   // 0: unknown
//   hess::EigenResult r = hess::run(options, op);

#include "engine/curvature_operator.h"
#include "runs/observer.h"

namespace hess::runs {

class ObservedOperator final : public CurvatureOperator {
 public:
  ObservedOperator(const CurvatureOperator& base, Observer& observer, int64_t expected)
      : base_(base), observer_(observer), expected_(expected) {}
  int64_t rows() const override { return base_.rows(); }
  SplitInfo split() const override { return base_.split(); }
  double product_roundoff() const override { return base_.product_roundoff(); }

 protected:
  void apply_raw(const double* X, int k, double* Y) const override {
    Eigen::Map<const Eigen::MatrixXd> x(X, rows(), k);
    Eigen::MatrixXd y;
    base_.apply(x, y);
    Eigen::Map<Eigen::MatrixXd>(Y, rows(), k) = y;
    report(k);
  }
  void gauss_newton_diagonal_raw(double* d) const override {
    Eigen::VectorXd y;
    base_.gauss_newton_diagonal(y);
    Eigen::Map<Eigen::VectorXd>(d, rows()) = y;
  }
  void apply_residual_raw(const double* X, int k, double* Y) const override {
    Eigen::MatrixXd y;
    base_.apply_residual(Eigen::Map<const Eigen::MatrixXd>(X, rows(), k), y);
    Eigen::Map<Eigen::MatrixXd>(Y, rows(), k) = y;
    report(k);
  }

 private:
  const CurvatureOperator& base_;
  void report(int k) const {
    done_ += k;
    observer_.progress(done_, expected_ > done_ ? expected_ : 0, "HVPs");
  }
  Observer& observer_;
  int64_t expected_;
  mutable int64_t done_ = 0;
};

}  // namespace hess::runs
