// analyzers/stability_threshold: for every optimizer, the engine's own update rule
// (engine/optimizer) iterated on a 1-D quadratic ½λθ² converges with λ just below the threshold and
// diverges just above it; Adam with its preconditioner held fixed through its state, against the
// preconditioned curvature λ/p.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "analyzers/preconditioned_operator.h"
#include "analyzers/stability_threshold.h"
#include "engine/optimizer.h"

using namespace hess;

namespace {

constexpr double kMargin = 0.02;   // λ = (1 ∓ margin) · threshold
constexpr int kMaxSteps = 200000;  // enough for the slowest contraction near the boundary
// From θ₀ = 1e-6, |θ| below 1e-9 is converged and above 1e-3 diverged: small enough that Adam's
// squared gradients never move its (fixed) second moment.
constexpr double kStart = 1e-6;
constexpr double kConverged = 1e-9;
constexpr double kDiverged = 1e-3;
constexpr double kLr = 0.05;

enum class Outcome { Converges, Diverges, Undecided };

std::string text(Outcome o) {
  return o == Outcome::Converges ? "converges" : o == Outcome::Diverges ? "diverges" : "undecided";
}

// Iterates the optimizer on g = curvature · θ from θ₀ (and the given state).
Outcome iterate(const OptimizerOptions& o, double curvature, const OptimizerState* state) {
  Optimizer opt(o, 1);
  if (state != nullptr) opt.restore(*state);
  std::vector<double> theta = {kStart}, g(1);
  for (int s = 0; s < kMaxSteps; ++s) {
    g[0] = curvature * theta[0];
    opt.step(theta.data(), g.data());
    if (std::abs(theta[0]) < kConverged) return Outcome::Converges;
    if (std::abs(theta[0]) > kDiverged) return Outcome::Diverges;
  }
  return Outcome::Undecided;
}

void check_edge(const OptimizerOptions& o, double scale, const OptimizerState* state) {
  const double thr = stability_threshold(o) * scale;
  CAPTURE(name_of(o.kind));
  CAPTURE(o.momentum);
  CAPTURE(thr);
  CHECK(text(iterate(o, (1.0 - kMargin) * thr, state)) == "converges");
  CHECK(text(iterate(o, (1.0 + kMargin) * thr, state)) == "diverges");
}

OptimizerOptions options(OptimizerKind kind, double momentum = 0.9) {
  OptimizerOptions o;
  o.kind = kind;
  o.lr = kLr;
  o.momentum = momentum;
  return o;
}

}  // namespace

TEST_CASE("gd, sgd, momentum and nesterov converge just below their threshold, diverge above") {
  check_edge(options(OptimizerKind::GD), 1.0, nullptr);
  check_edge(options(OptimizerKind::SGD), 1.0, nullptr);
  for (double beta : {0.0, 0.5, 0.9, 0.99}) {
    check_edge(options(OptimizerKind::Momentum, beta), 1.0, nullptr);
    check_edge(options(OptimizerKind::Nesterov, beta), 1.0, nullptr);
  }
}

TEST_CASE(
    "adam with a fixed preconditioner converges below (2 + 2 beta1)/((1 - beta1) lr) of the "
    "preconditioned curvature, diverges above") {
  // Adam's preconditioner held fixed: a second moment v = 4 at a huge step count (bias
  // corrections 1) with β₂ so close to 1 that the squared gradients of the test (|g| < 1) move v
  // by less than 1e-6 in all. The curvature λ then acts as λ/p, p = √v̂ + ε = 2 + ε, read from the
  // state by adam_preconditioner.
  for (double beta1 : {0.0, 0.5, 0.9}) {
    OptimizerOptions o = options(OptimizerKind::Adam);
    o.beta1 = beta1;
    o.beta2 = 1.0 - 1e-12;
    OptimizerState state;
    state.step = 1'000'000'000'000'000;
    state.buffers = {{"exp_avg", {0.0}}, {"exp_avg_sq", {4.0}}};
    const double p = adam_preconditioner(o, state, 1)(0);
    CHECK(p == doctest::Approx(2.0 + o.epsilon).epsilon(1e-15));
    check_edge(o, p, &state);
  }
}

TEST_CASE("the thresholds' closed forms and rules") {
  CHECK(stability_threshold(options(OptimizerKind::GD)) == doctest::Approx(2.0 / kLr));
  CHECK(stability_threshold(options(OptimizerKind::Momentum, 0.9)) == doctest::Approx(3.8 / kLr));
  CHECK(stability_threshold(options(OptimizerKind::Nesterov, 0.9)) ==
        doctest::Approx(3.8 / (2.8 * kLr)));
  CHECK(stability_threshold(options(OptimizerKind::Adam)) == doctest::Approx(38.0 / kLr));
  // β = 0: momentum and nesterov are gd.
  CHECK(stability_threshold(options(OptimizerKind::Momentum, 0.0)) == doctest::Approx(2.0 / kLr));
  CHECK(stability_threshold(options(OptimizerKind::Nesterov, 0.0)) == doctest::Approx(2.0 / kLr));
  for (OptimizerKind k : enum_values<OptimizerKind>()) {
    CAPTURE(name_of(k));
    CHECK(threshold_rule(k).find("lr") != std::string::npos);
    CHECK(is_preconditioned(k) == (k == OptimizerKind::Adam));
  }
  OptimizerOptions bad = options(OptimizerKind::GD);
  bad.lr = 0.0;
  CHECK_THROWS_AS(stability_threshold(bad), std::invalid_argument);
}
