#include "analyzers/preconditioned_operator.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/field_error.h"

namespace hess {

Eigen::VectorXd adam_preconditioner(const OptimizerOptions& options, const OptimizerState& state,
                                    int64_t num_params, const double* gradient) {
  options.validate();
  if (options.kind != OptimizerKind::Adam) {
    throw FieldError("kind", "must be adam for a preconditioner (got " +
                                 std::string(name_of(options.kind)) + ")");
  }
  const std::vector<double>* v = nullptr;
  for (const auto& [name, buffer] : state.buffers) {
    if (name == "exp_avg_sq") v = &buffer;
  }
  if (v == nullptr) {
    throw std::invalid_argument(
        "adam's preconditioner needs the optimizer state's second moment (exp_avg_sq)");
  }
  if (static_cast<int64_t>(v->size()) != num_params) {
    throw std::invalid_argument("optimizer state: exp_avg_sq has " + std::to_string(v->size()) +
                                " entries, the model " + std::to_string(num_params));
  }
  if (state.step < 0) throw std::invalid_argument("optimizer state: negative step count");
  if (gradient == nullptr && state.step == 0) {
    throw std::invalid_argument(
        "adam's preconditioner of the last update: no update has been made (step 0); give the "
        "gradient for the next update's");
  }
  const double b2 = options.beta2;
  const double t = static_cast<double>(state.step + (gradient != nullptr ? 1 : 0));
  const double correction = 1.0 - std::pow(b2, t);
  Eigen::VectorXd p(num_params);
  for (int64_t i = 0; i < num_params; ++i) {
    double vi = (*v)[i];
    if (gradient != nullptr) vi = b2 * vi + (1.0 - b2) * gradient[i] * gradient[i];
    p(i) = std::sqrt(vi / correction) + options.epsilon;
  }
  return p;
}

PreconditionedOperator::PreconditionedOperator(const CurvatureOperator& base,
                                               const Eigen::VectorXd& p)
    : base_(base) {
  if (p.size() != base.rows()) {
    throw std::invalid_argument("preconditioner has " + std::to_string(p.size()) +
                                " entries, the operator " + std::to_string(base.rows()) + " rows");
  }
  if (!p.allFinite() || (p.array() <= 0.0).any()) {
    throw std::invalid_argument("preconditioner entries must be positive and finite");
  }
  d_ = p.array().rsqrt();
}

void PreconditionedOperator::apply_raw(const double* X, int k, double* Y) const {
  // Y = D (A (D X)), D = P^{-1/2}.
  const Eigen::Map<const Eigen::MatrixXd> x(X, rows(), k);
  const Eigen::MatrixXd scaled = d_.asDiagonal() * x;
  Eigen::MatrixXd product;
  base_.apply(scaled, product);
  Eigen::Map<Eigen::MatrixXd>(Y, rows(), k) = d_.asDiagonal() * product;
}

}  // namespace hess
