// Tests of engine/trainer: full-batch GD against a hand-written loop over the objective, minibatch
// epochs visiting every row once, determinism for a seed, exact resume, progress on a learnable
// task.
#include <doctest/doctest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "engine/arch.h"
#include "engine/random.h"
#include "engine/trainer.h"
#include "support/fd_check.h"
#include "support/learnable_data.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr const char* kSpec = "mlp:6-10-3:tanh";
constexpr int64_t kSamples = 50;

Model make_model(uint64_t seed = 3) {
  ArchOptions a;
  a.seed = seed;
  return build_arch(kSpec, a);
}

TrainOptions options(OptimizerKind kind, double lr, int64_t batch, int threads = 1) {
  TrainOptions o;
  o.optimizer.kind = kind;
  o.optimizer.lr = lr;
  o.batch_size = batch;
  o.eval_batch_size = 16;
  o.threads = threads;
  o.seed = 9;
  return o;
}

std::vector<double> train(const Model& m, const Dataset& d, const TrainOptions& o, int64_t steps) {
  Trainer t(m.graph, d, all_rows(d.size()), o, Precision::F64);
  t.set_parameters(m.theta);
  t.run(steps, [](const TrainStep&) { return true; });
  return t.parameters();
}

}  // namespace

TEST_CASE("full-batch GD is θ ← θ − η ∇L over the whole set, weight decay included") {
  const Model m = make_model();
  const Dataset d = learnable_data(kSamples, 1);
  TrainOptions o = options(OptimizerKind::GD, 0.3, 0);
  o.weight_decay = 0.01;
  Trainer t(m.graph, d, all_rows(kSamples), o, Precision::F64);
  t.set_parameters(m.theta);

  ObjectiveOptions oo;
  oo.batch_size = 16;
  oo.weight_decay = 0.01;
  auto obj = make_objective(m.graph, d, all_rows(kSamples), oo, Precision::F64);
  std::vector<double> theta = m.theta, g(theta.size());
  for (int s = 1; s <= 4; ++s) {
    obj->set_parameters(theta);
    const Evaluation ev = obj->gradient(g.data());
    for (size_t i = 0; i < theta.size(); ++i) theta[i] -= 0.3 * g[i];
    const TrainStep rec = t.step();
    CHECK(rec.step == s);
    CHECK(rec.epoch == s - 1);  // one step is one epoch
    CHECK(rec.samples == kSamples);
    CHECK(rec.loss == ev.loss);  // the loss before the update
    CHECK(rec.accuracy == ev.accuracy);
    CHECK(rec.learning_rate == 0.3);
  }
  CHECK(t.parameters() == theta);
  obj->set_parameters(theta);
  CHECK(t.evaluate().loss == obj->value().loss);
}

TEST_CASE("a minibatch epoch visits every row once, batches weighted by their size") {
  // With a tiny η, θ barely moves over one epoch, so (θ₀ − θ_E)/η = Σ_batches ∇L_batch(θ₀) + O(η).
  // Batches of 10 over 50 rows: Σ_b ∇L_b = Σ_b (1/10) Σ_{i∈b} ∇ℓᵢ = 5 ∇L — true only if the batches
  // partition the rows.
  const Model m = make_model();
  const Dataset d = learnable_data(kSamples, 2);
  constexpr double kTinyLr = 1e-9;
  constexpr double kLinearTol = 1e-6;
  Trainer t(m.graph, d, all_rows(kSamples), options(OptimizerKind::SGD, kTinyLr, 10),
            Precision::F64);
  t.set_parameters(m.theta);
  CHECK(t.steps_per_epoch() == 5);
  int64_t seen = 0;
  t.run(5, [&](const TrainStep& s) {
    seen += s.samples;
    CHECK(s.epoch == 0);
    return true;
  });
  CHECK(seen == kSamples);
  auto obj = double_objective(m, d);
  obj->set_parameters(m.theta);
  Eigen::VectorXd g(m.theta.size()), moved(m.theta.size());
  obj->gradient(g.data());
  for (size_t i = 0; i < m.theta.size(); ++i) moved[i] = (m.theta[i] - t.parameters()[i]) / kTinyLr;
  CHECK(rel_err(moved, 5.0 * g) < kLinearTol);
}

TEST_CASE("a partial last batch: 50 rows in batches of 16 give 16, 16, 16, 2") {
  const Model m = make_model();
  const Dataset d = learnable_data(kSamples, 2);
  Trainer t(m.graph, d, all_rows(kSamples), options(OptimizerKind::SGD, 0.1, 16), Precision::F64);
  t.set_parameters(m.theta);
  std::vector<int64_t> sizes;
  t.run(5, [&](const TrainStep& s) {
    sizes.push_back(s.samples);
    return true;
  });
  CHECK(sizes == std::vector<int64_t>{16, 16, 16, 2, 16});
  CHECK(steps_per_epoch(50, 16) == 4);
  CHECK(steps_per_epoch(50, 0) == 1);
  CHECK(steps_per_epoch(50, 64) == 1);
}

TEST_CASE("same seed, same weights bit for bit; another seed, another order") {
  const Model m = make_model();
  const Dataset d = learnable_data(kSamples, 4);
  for (int threads : {1, 2}) {
    CAPTURE(threads);
    TrainOptions o = options(OptimizerKind::Momentum, 0.1, 8, threads);
    const std::vector<double> a = train(m, d, o, 20);
    const std::vector<double> b = train(m, d, o, 20);
    CHECK(a == b);
    o.seed = 10;
    CHECK(train(m, d, o, 20) != a);
  }
}

TEST_CASE(
    "a CNN trains to the same weights twice (conv scratch buffers do not depend on the heap)") {
  ArchOptions a;
  a.seed = 2;
  const Model m = build_arch("cnn:1x6x6-c3k3-pool2-3:tanh", a);
  const Dataset d = random_dataset(m.graph, 21, 3, 8);
  const TrainOptions o = options(OptimizerKind::Nesterov, 0.05, 8);  // batches 8, 8, 5
  CHECK(train(m, d, o, 9) == train(m, d, o, 9));
}

TEST_CASE("a run restored from θ and the optimizer state ends where the whole run ends") {
  const Model m = make_model();
  const Dataset d = learnable_data(kSamples, 5);
  for (OptimizerKind k : {OptimizerKind::SGD, OptimizerKind::Nesterov, OptimizerKind::Adam}) {
    CAPTURE(name_of(k));
    const TrainOptions o = options(k, 0.01, 12, 2);  // 5 steps an epoch
    const std::vector<double> whole = train(m, d, o, 13);

    Trainer first(m.graph, d, all_rows(kSamples), o, Precision::F64);
    first.set_parameters(m.theta);
    CHECK(first.run(13, [](const TrainStep& s) { return s.step < 7; }) == 7);  // a stop request
    const std::vector<double> theta = first.parameters();
    const OptimizerState state = first.optimizer().state();

    Trainer second(m.graph, d, all_rows(kSamples), o, Precision::F64);
    second.restore(theta, state);
    CHECK(second.step_count() == 7);
    CHECK(second.run(13, [](const TrainStep&) { return true; }) == 6);
    CHECK(second.parameters() == whole);
  }
}

TEST_CASE("training learns: loss falls and accuracy rises (float and double)") {
  const Model m = make_model();
  const Dataset d = learnable_data(200, 6);
  for (Precision p : {Precision::F32, Precision::F64}) {
    for (OptimizerKind k : {OptimizerKind::GD, OptimizerKind::Momentum, OptimizerKind::Adam}) {
      CAPTURE(name_of(k));
      CAPTURE(name_of(p));
      const double lr = k == OptimizerKind::Adam ? 0.02 : 0.5;
      const int64_t batch = k == OptimizerKind::GD ? 0 : 32;
      Trainer t(m.graph, d, all_rows(200), options(k, lr, batch), p);
      t.set_parameters(m.theta);
      const Evaluation before = t.evaluate();
      t.run(300, [](const TrainStep&) { return true; });
      const Evaluation after = t.evaluate();
      CHECK(after.loss < 0.5 * before.loss);
      CHECK(after.accuracy > 0.9);
    }
  }
}

TEST_CASE("bad options are refused") {
  const Model m = make_model();
  const Dataset d = learnable_data(10, 7);
  TrainOptions o = options(OptimizerKind::SGD, -1.0, 4);
  CHECK_THROWS_AS(Trainer(m.graph, d, all_rows(10), o, Precision::F64), std::invalid_argument);
  o = options(OptimizerKind::SGD, 0.1, -4);
  CHECK_THROWS_AS(Trainer(m.graph, d, all_rows(10), o, Precision::F64), std::invalid_argument);
  o = options(OptimizerKind::SGD, 0.1, 4);
  CHECK_THROWS_AS(Trainer(m.graph, d, {}, o, Precision::F64), std::invalid_argument);
  CHECK_THROWS_AS(Trainer(m.graph, d, {0, 10}, o, Precision::F64), std::invalid_argument);
  Dataset wrong = d;
  wrong.sample_shape = {3};
  wrong.x.resize(30);
  CHECK_THROWS_AS(Trainer(m.graph, wrong, all_rows(10), o, Precision::F64), std::invalid_argument);
}
