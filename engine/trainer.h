#pragma once
// Training a model on a data set with the update rules of engine/optimizer.h.
//
// The objective trained is the engine's objective (engine/objective.h) over the training rows:
//
//   L(θ) = (1/N) Σᵢ ℓ(f(xᵢ; θ), yᵢ) + (λ/2)‖θ‖²
//
// Full batch (batch_size 0): every step takes g = ∇L(θ) over all N training rows; one step is one
// epoch. Minibatch (batch_size B > 0): epoch e visits the rows in a seeded random order (a
// Fisher–Yates shuffle drawn from Rng(seed).split(e)), cut into ⌈N/B⌉ consecutive batches, the last
// one partial; step s uses batch s mod ⌈N/B⌉ of epoch ⌊s/⌈N/B⌉⌋ and g is the gradient of the
// batch's mean loss plus λθ. The data position is thus a function of the step count and the seed
// alone: restoring θ and the optimizer state (whose step count is the trainer's) resumes a run
// exactly where it stopped, bit for bit.
//
// Each step reports the loss and accuracy at θ *before* its update, on the rows it used (the whole
// set for full batch, the batch for minibatch). evaluate() gives them over the whole training set.
//
// BatchNorm: the engine evaluates BatchNorm with its running statistics everywhere (inference
// form), and training does too: the running statistics are constants of the model that training
// does not change, so a BatchNorm layer trains as the affine map γ (x − mean)/√(var + ε) + β.
// The function trained, the function saved and the function analyzed are one and the same.
//
// Determinism: the same θ₀, rows, options and seed give the same final θ bit for bit (double, a
// fixed thread count).
//
//   hess::TrainOptions o;
//   o.optimizer.kind = hess::OptimizerKind::Momentum;
//   o.optimizer.lr = 0.05;
//   o.batch_size = 128;
//   hess::Trainer t(model.graph, data, rows, o, hess::Precision::F64);
//   t.set_parameters(model.theta);
//   t.run(1000, [](const hess::TrainStep& s) { return true; });   // return false to stop
//   model.theta = t.parameters();

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "engine/objective.h"
#include "engine/optimizer.h"

namespace hess {

struct TrainOptions {
  OptimizerOptions optimizer;
  int64_t batch_size = 0;  // minibatch size B; 0: full batch
  int64_t eval_batch_size =
      256;                    // samples per pass chunk of a full-batch gradient or an evaluation
  int threads = 1;            // threads of the passes
  double weight_decay = 0.0;  // λ of the objective's (λ/2)‖θ‖²
  uint64_t seed = 0;          // the shuffling of minibatches
  // Throws std::invalid_argument naming the bad field.
  void validate() const;
};

// What one step did.
struct TrainStep {
  int64_t step = 0;       // steps done, this one included (1 after the first)
  int64_t epoch = 0;      // the epoch this step belongs to (from 0)
  double loss = 0.0;      // at θ before the update, over the rows used
  double accuracy = 0.0;  // likewise (0 without class labels)
  double learning_rate = 0.0;
  int64_t samples = 0;  // rows used
};

// Steps in one epoch over n rows with minibatch size b (1 for full batch, b = 0).
int64_t steps_per_epoch(int64_t n, int64_t b);

class Trainer {
 public:
  // Trains on rows `rows` of `data` (both must outlive the trainer). Throws std::invalid_argument
  // when the options are bad or the data does not fit the graph.
  Trainer(const Graph& graph, const Dataset& data, std::vector<int64_t> rows,
          const TrainOptions& options, Precision precision);
  ~Trainer();

  void set_parameters(const std::vector<double>& theta);
  const std::vector<double>& parameters() const { return theta_; }
  // Continues a run from θ and the optimizer state saved with it (its step count sets the
  // position).
  void restore(const std::vector<double>& theta, const OptimizerState& state);

  const Optimizer& optimizer() const { return optimizer_; }
  const TrainOptions& options() const { return opt_; }
  int64_t step_count() const { return optimizer_.state().step; }
  int64_t num_samples() const { return static_cast<int64_t>(rows_.size()); }
  int64_t steps_per_epoch() const { return hess::steps_per_epoch(num_samples(), opt_.batch_size); }

  // One update. Throws NumericalError when the loss or gradient is not finite.
  TrainStep step();
  // Steps until `total_steps` are done or `on_step` returns false; returns the steps done.
  int64_t run(int64_t total_steps, const std::function<bool(const TrainStep&)>& on_step);
  // Loss and accuracy over all training rows at the current θ.
  Evaluation evaluate();

 private:
  const std::vector<int64_t>& epoch_order(int64_t epoch);

  const Graph& graph_;
  const Dataset& data_;
  std::vector<int64_t> rows_;
  TrainOptions opt_;
  Precision precision_;
  Optimizer optimizer_;
  std::vector<double> theta_, grad_;
  std::unique_ptr<Objective> full_;   // over all rows
  std::unique_ptr<Objective> batch_;  // over the current minibatch
  std::vector<int64_t> order_;        // the rows in the order of epoch `order_epoch_`
  int64_t order_epoch_ = -1;
};

}  // namespace hess
