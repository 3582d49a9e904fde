#pragma once
// How an analyzer reaches its operator: a CurvatureOperator that forwards to another one, checks
// every product for NaN and Inf, and counts the products made through it.
//
// The engine's ObjectiveOperator already throws NumericalError naming the node where NaN appeared;
// other operators (DenseOperator, a user's) may silently return NaN. Checking here makes every
// analyzer end with Status::NonFinite instead of iterating on garbage. The check costs O(P k) per
// product, nothing next to an HVP. `applications()` of the wrapper is the analyzer's HVP count.
//
//   hess::CheckedOperator A(op);
//   Eigen::MatrixXd Y;
//   A.apply_blocked(X, Y, 16);  // 16 columns per product of the underlying operator
//   int64_t hvps = A.applications();
//
// `run_checked` is the frame of every analyzer's run(): it times the body, gives it the checked
// operator, turns NumericalError into Status::NonFinite (dropping partial results) and records the
// cost.
//
//   return hess::run_checked<TraceResult>(op, [&](const CheckedOperator& A, TraceResult& r) { ...
//   });

#include <Eigen/Core>

#include "analyzers/status.h"
#include "analyzers/stopwatch.h"
#include "engine/curvature_operator.h"
#include "engine/numerical_error.h"

namespace hess {

class CheckedOperator final : public CurvatureOperator {
 public:
  explicit CheckedOperator(const CurvatureOperator& base) : base_(base) {}
  int64_t rows() const override { return base_.rows(); }
  SplitInfo split() const override { return base_.split(); }
  double product_roundoff() const override { return base_.product_roundoff(); }

  // Y = A X computed `block` columns per product (fewer in the last one).
  void apply_blocked(const Eigen::MatrixXd& X, Eigen::MatrixXd& Y, int block) const;

 protected:
  // Throw NumericalError when a product or the diagonal holds NaN or Inf.
  void apply_raw(const double* X, int k, double* Y) const override;
  void gauss_newton_diagonal_raw(double* d) const override;
  void apply_residual_raw(const double* X, int k, double* Y) const override;

 private:
  const CurvatureOperator& base_;
};

template <class Result, class Body>
Result run_checked(const CurvatureOperator& op, Body&& body) {
  const Stopwatch clock;
  CheckedOperator A(op);
  Result r;
  try {
    body(A, r);
  } catch (const NumericalError& e) {
    r = Result{};
    r.status = Status::NonFinite;
    r.message = e.what();
  }
  r.hvps = A.applications();
  r.seconds = clock.seconds();
  return r;
}

}  // namespace hess
