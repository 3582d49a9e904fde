#pragma once
// First-order update rules over the flat parameter vector θ and a gradient g (double), as PyTorch
// writes them (torch.optim.SGD with dampening 0, torch.optim.Adam), so runs can be cross-checked:
//
//   gd, sgd    θ ← θ − η g
//   momentum   b ← β b + g;                    θ ← θ − η b            (heavy ball)
//   nesterov   b ← β b + g;                    θ ← θ − η (g + β b)
//   adam       m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;   t ← t + 1
//              θ ← θ − η m̂ / (√v̂ + ε),  m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)   (bias correction)
//
// gd and sgd share the rule; they differ in what g is (the full-batch gradient or a minibatch's),
// which is the trainer's business. Buffers start at zero, so momentum's first step is θ − η g.
//
// Weight decay is not part of the rule: it is the (λ/2)‖θ‖² term of the objective
// (ObjectiveOptions::weight_decay), so g already holds λθ and the Hessian an analysis measures is
// the Hessian of the very function that was trained (for Adam this is "Adam with L2", not AdamW).
//
// The state (step count and named buffers: "momentum_buffer" for momentum and nesterov, "exp_avg"
// and "exp_avg_sq" for adam, PyTorch's names) can be read and restored exactly, so an interrupted
// run resumes bit for bit.
//
//   hess::OptimizerOptions o;
//   o.kind = hess::OptimizerKind::Adam;
//   o.lr = 1e-3;
//   hess::Optimizer opt(o, P);
//   for (...) { obj->gradient(g.data()); opt.step(theta.data(), g.data()); }

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/enum_names.h"

namespace hess {

enum class OptimizerKind : uint8_t { GD, SGD, Momentum, Nesterov, Adam };
template <>
struct EnumNames<OptimizerKind> {
  static constexpr std::string_view what = "optimizer";
  static constexpr std::string_view names[] = {"gd", "sgd", "momentum", "nesterov", "adam"};
};

struct OptimizerOptions {
  OptimizerKind kind = OptimizerKind::GD;
  double lr = 0.01;       // η
  double momentum = 0.9;  // β of momentum and nesterov
  double beta1 = 0.9;     // adam
  double beta2 = 0.999;   // adam
  double epsilon = 1e-8;  // adam
  // Throws std::invalid_argument naming the bad field (lr > 0, β in [0, 1), ε > 0, all finite).
  void validate() const;
};

// What an optimizer carries from one step to the next.
struct OptimizerState {
  int64_t step = 0;                                                  // updates applied so far
  std::vector<std::pair<std::string, std::vector<double>>> buffers;  // named, each of length P
};

class Optimizer {
 public:
  Optimizer(const OptimizerOptions& options, int64_t num_params);

  const OptimizerOptions& options() const { return opt_; }
  int64_t num_params() const { return P_; }

  // One update of θ (length P) from the gradient g at θ.
  void step(double* theta, const double* g);

  const OptimizerState& state() const { return state_; }
  // Replaces the state by `s`; throws std::invalid_argument unless its buffers are exactly this
  // kind's (same names, length P) and its step count is non-negative.
  void restore(const OptimizerState& s);

 private:
  std::vector<double>& buffer(size_t i) { return state_.buffers[i].second; }
  OptimizerOptions opt_;
  int64_t P_;
  OptimizerState state_;
};

}  // namespace hess
