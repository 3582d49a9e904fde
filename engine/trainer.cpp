#include "engine/trainer.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "engine/field_error.h"
#include "engine/random.h"

namespace hess {

void TrainOptions::validate() const {
  optimizer.validate();
  require_at_least("batch_size", batch_size, int64_t{0}, "(0: the whole set)");
  ObjectiveOptions o;
  o.batch_size = eval_batch_size;
  o.threads = threads;
  o.weight_decay = weight_decay;
  o.validate();
}

int64_t steps_per_epoch(int64_t n, int64_t b) {
  if (b <= 0 || b >= n) return 1;
  return (n + b - 1) / b;
}

Trainer::Trainer(const Graph& graph, const Dataset& data, std::vector<int64_t> rows,
                 const TrainOptions& options, Precision precision)
    : graph_(graph),
      data_(data),
      rows_(std::move(rows)),
      opt_(options),
      precision_(precision),
      optimizer_((options.validate(), options.optimizer), graph.num_params()) {
  if (rows_.empty()) throw std::invalid_argument("the training set is empty");
  ObjectiveOptions full;
  full.batch_size = opt_.eval_batch_size;
  full.threads = opt_.threads;
  full.weight_decay = opt_.weight_decay;
  full_ = make_objective(graph_, data_, rows_, full, precision_);
  if (opt_.batch_size > 0) {
    // A minibatch is split over the threads in equal chunks.
    ObjectiveOptions mini = full;
    const int64_t b = std::min<int64_t>(opt_.batch_size, num_samples());
    mini.batch_size = std::max<int64_t>(1, (b + opt_.threads - 1) / opt_.threads);
    batch_ = make_objective(graph_, data_, {rows_.front()}, mini, precision_);
  }
  theta_.assign(graph.num_params(), 0.0);
  grad_.assign(graph.num_params(), 0.0);
}

Trainer::~Trainer() = default;

void Trainer::set_parameters(const std::vector<double>& theta) {
  if (theta.size() != theta_.size()) {
    throw std::invalid_argument("parameter vector has " + std::to_string(theta.size()) +
                                " entries, the model " + std::to_string(theta_.size()));
  }
  theta_ = theta;
}

void Trainer::restore(const std::vector<double>& theta, const OptimizerState& state) {
  set_parameters(theta);
  optimizer_.restore(state);
}

const std::vector<int64_t>& Trainer::epoch_order(int64_t epoch) {
  if (order_epoch_ == epoch) return order_;
  order_ = rows_;
  Rng rng = Rng(opt_.seed).split(static_cast<uint64_t>(epoch));
  const int64_t n = num_samples();
  for (int64_t i = n - 1; i > 0; --i) std::swap(order_[i], order_[rng.below(i + 1)]);
  order_epoch_ = epoch;
  return order_;
}

TrainStep Trainer::step() {
  const int64_t s = step_count();
  const int64_t spe = steps_per_epoch();
  TrainStep rec;
  rec.epoch = s / spe;
  rec.learning_rate = optimizer_.options().lr;
  Objective* obj = full_.get();
  if (opt_.batch_size > 0 && spe > 1) {
    const std::vector<int64_t>& order = epoch_order(rec.epoch);
    const int64_t begin = (s % spe) * opt_.batch_size;
    const int64_t end = std::min<int64_t>(begin + opt_.batch_size, num_samples());
    batch_->set_rows(std::vector<int64_t>(order.begin() + begin, order.begin() + end));
    obj = batch_.get();
  }
  obj->set_parameters(theta_);
  const Evaluation ev = obj->gradient(grad_.data());
  optimizer_.step(theta_.data(), grad_.data());
  rec.step = step_count();
  rec.loss = ev.loss;
  rec.accuracy = ev.accuracy;
  rec.samples = obj->num_samples();
  return rec;
}

int64_t Trainer::run(int64_t total_steps, const std::function<bool(const TrainStep&)>& on_step) {
  const int64_t first = step_count();
  while (step_count() < total_steps) {
    if (!on_step(step())) break;
  }
  return step_count() - first;
}

Evaluation Trainer::evaluate() {
  full_->set_parameters(theta_);
  return full_->value();
}

}  // namespace hess
