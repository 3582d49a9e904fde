#pragma once
// The preconditioned curvature operator of an adaptive optimizer: A = P^{-1/2} H P^{-1/2} for a
// diagonal preconditioner P, whose largest eigenvalue is the *preconditioned sharpness* that
// Adam's stability threshold is about (Cohen et al. 2022, "Adaptive gradient methods at the edge of
// stability"). A is symmetric and similar to P⁻¹H (same eigenvalues); an eigenvector x of A is
// the direction P^{-1/2}x in parameter space.
//
// Adam's preconditioner is P = diag(√v̂ + ε), v̂ = v/(1 − β₂ᵗ) its bias-corrected second moment
// (engine/optimizer.h keeps v as the buffer "exp_avg_sq"). Which v̂: the one of the update Adam
// makes *from* θ, as Cohen et al. define P_t (θ_{t+1} = θ_t − η P_t⁻¹ m̂_t, v_t already holding
// g_t²): v' = β₂ v + (1 − β₂) g² with g = ∇L(θ) and t' = step + 1. So it is defined at step 0 too
// (P = |g| + ε). Without a gradient, the preconditioner of the last update applied (step ≥ 1).
//
//   Eigen::VectorXd p = hess::adam_preconditioner(trainer.optimizer().options(),
//                                                 trainer.optimizer().state(), g.data());
//   hess::ObjectiveOperator H(objective, hess::Curvature::Hessian);
//   hess::PreconditionedOperator A(H, p);          // P^{-1/2} H P^{-1/2}
//   hess::EigenResult r = hess::run(eigen_options, A);

#include <Eigen/Core>

#include "engine/curvature_operator.h"
#include "engine/optimizer.h"

namespace hess {

// The diagonal of Adam's P = √v̂ + ε. With `gradient` (length P, the gradient at the current θ):
// the preconditioner of the next update, v̂ = (β₂ v + (1 − β₂) g²)/(1 − β₂^{step+1}); without: the
// one of the last update, v̂ = v/(1 − β₂^{step}). Throws std::invalid_argument when the options
// are not adam's or invalid, the state lacks "exp_avg_sq" of length `num_params`, or (without a
// gradient) no update has been made.
Eigen::VectorXd adam_preconditioner(const OptimizerOptions& options, const OptimizerState& state,
                                    int64_t num_params, const double* gradient = nullptr);

class PreconditionedOperator final : public CurvatureOperator {
 public:
  // P^{-1/2} base P^{-1/2} for P = diag(p); throws std::invalid_argument unless p has base.rows()
  // entries, all positive and finite. `base` must outlive the operator.
  PreconditionedOperator(const CurvatureOperator& base, const Eigen::VectorXd& p);
  int64_t rows() const override { return base_.rows(); }
  double product_roundoff() const override { return base_.product_roundoff(); }
  // The diagonal of P^{-1/2}: an eigenvector x of this operator is the direction
  // scaling().cwiseProduct(x) in parameter space.
  const Eigen::VectorXd& scaling() const { return d_; }

 protected:
  void apply_raw(const double* X, int k, double* Y) const override;

 private:
  const CurvatureOperator& base_;
  Eigen::VectorXd d_;  // 1/√p
};

}  // namespace hess
