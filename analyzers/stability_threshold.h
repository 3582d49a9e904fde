#pragma once
// The stability threshold of each optimizer: the largest curvature λ of a quadratic ½λx² on which
// the optimizer's iteration (engine/optimizer.h, PyTorch's update rules) still converges, as a
// function of the learning rate η and the momentum parameters. Edge-of-stability tracking compares
// the sharpness λmax(H) (for Adam the preconditioned sharpness,
// analyzers/preconditioned_operator.h) against it. Derivations in docs/algorithms.md, "Edge of
// stability".
//
//   gd, sgd    2/η
//   momentum   (2 + 2β)/η                   b ← βb + g;  θ ← θ − ηb
//   nesterov   (2 + 2β)/((1 + 2β)η)         b ← βb + g;  θ ← θ − η(g + βb)
//   adam       (2 + 2β₁)/((1 − β₁)η)        against λmax(P^{-1/2} H P^{-1/2}), P = diag(√v̂ + ε)
//
//   hess::OptimizerOptions o;  o.kind = hess::OptimizerKind::Momentum;  o.lr = 0.01;
//   double thr = hess::stability_threshold(o);       // 190
//   std::string rule = hess::threshold_rule(o.kind);  // "(2 + 2*momentum)/lr"

#include <string>

#include "engine/optimizer.h"

namespace hess {

// The threshold at the options' learning rate; throws std::invalid_argument (naming the field)
// when the options are invalid.
double stability_threshold(const OptimizerOptions& options);

// The formula as text, in the options' field names ("2/lr", "(2 + 2*momentum)/lr", ...): what a
// series records beside its thresholds.
std::string threshold_rule(OptimizerKind kind);

// Whether the threshold is to be compared with the preconditioned sharpness (adam) rather than
// λmax(H).
bool is_preconditioned(OptimizerKind kind);

}  // namespace hess
