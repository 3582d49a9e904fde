#include "analyzers/stability_threshold.h"

namespace hess {

double stability_threshold(const OptimizerOptions& o) {
  o.validate();
  switch (o.kind) {
    case OptimizerKind::GD:
    case OptimizerKind::SGD:
      return 2.0 / o.lr;
    case OptimizerKind::Momentum:
      return (2.0 + 2.0 * o.momentum) / o.lr;
    case OptimizerKind::Nesterov:
      return (2.0 + 2.0 * o.momentum) / ((1.0 + 2.0 * o.momentum) * o.lr);
    case OptimizerKind::Adam:
      return (2.0 + 2.0 * o.beta1) / ((1.0 - o.beta1) * o.lr);
  }
  return 0.0;
}

std::string threshold_rule(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::GD:
    case OptimizerKind::SGD:
      return "2/lr";
    case OptimizerKind::Momentum:
      return "(2 + 2*momentum)/lr";
    case OptimizerKind::Nesterov:
      return "(2 + 2*momentum)/((1 + 2*momentum)*lr)";
    case OptimizerKind::Adam:
      return "(2 + 2*beta1)/((1 - beta1)*lr), against lambda_max(P^-1/2 H P^-1/2), "
             "P = diag(sqrt(v_hat) + epsilon)";
  }
  return {};
}

bool is_preconditioned(OptimizerKind kind) {
  return kind == OptimizerKind::Adam;
}

}  // namespace hess
