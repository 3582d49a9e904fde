// engine/ops/loss: cross_entropy and mse. A loss is the last node, so each is tested on a small
// hand-built graph whose logits are parameters: sample b is the one-hot row e_b, and the bias-free
// linear layer W [C, B] makes sample b's logits the column W[:, b]. Loss, gradient and Hessian are
// compared with the closed forms (cross-entropy: p − e_y and diag(p) − p pᵀ per sample; mse: (2/C)
// r and (2/C) I) and with finite differences; labels out of range and shapes that do not fit are
// errors.
#include <doctest/doctest.h>

#include <cmath>

#include "engine/autodiff.h"
#include "engine/curvature_operator.h"
#include "engine/graph_builder.h"
#include "engine/random.h"
#include "support/fd_check.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr double kExactTol = 1e-12;  // closed form against the engine, both exact up to rounding
constexpr double kFloatTol = 1e-4;   // float arithmetic against the double closed form

// B samples with C classes, logits z_bc = θ[c B + b].
struct LossProblem {
  int64_t B, C;
  Model model;
  Dataset data;
  double z(int64_t b, int64_t c) const { return model.theta[c * B + b]; }
  int64_t index(int64_t b, int64_t c) const { return c * B + b; }
};

LossProblem make_problem(LossKind loss, int64_t B, int64_t C, uint64_t seed, bool targets = false) {
  GraphBuilder gb({B});
  if (targets) gb.set_targets(C);
  const int logits = gb.linear(gb.input(), B, C, "logits", false);
  LossProblem p{B, C, gb.finish(logits, loss, seed), {}};
  Rng rng(seed);
  for (double& t : p.model.theta) t = 2.0 * rng.normal();
  p.data.sample_shape = {B};
  p.data.x.assign(B * B, 0.0f);
  for (int64_t b = 0; b < B; ++b) p.data.x[b * B + b] = 1.0f;
  if (targets) {
    p.data.target_dim = C;
    p.data.targets.resize(B * C);
    for (float& t : p.data.targets) t = static_cast<float>(rng.normal());
  } else {
    p.data.labels.resize(B);
    for (int64_t& l : p.data.labels) l = rng.below(C);
  }
  return p;
}

// Softmax of sample b's logits.
Eigen::VectorXd probabilities(const LossProblem& p, int64_t b) {
  Eigen::VectorXd z(p.C);
  for (int64_t c = 0; c < p.C; ++c) z[c] = p.z(b, c);
  Eigen::VectorXd e = (z.array() - z.maxCoeff()).exp();
  return e / e.sum();
}

// Target of sample b, class c: the real target, or one-hot of the label.
double target(const LossProblem& p, int64_t b, int64_t c) {
  if (!p.data.targets.empty()) return p.data.targets[b * p.C + c];
  return p.data.labels[b] == c ? 1.0 : 0.0;
}

struct Reference {
  double loss = 0;
  Eigen::VectorXd grad;
  Eigen::MatrixXd hess;
};

Reference cross_entropy_reference(const LossProblem& p) {
  const int64_t P = p.B * p.C;
  Reference r{0, Eigen::VectorXd::Zero(P), Eigen::MatrixXd::Zero(P, P)};
  for (int64_t b = 0; b < p.B; ++b) {
    const Eigen::VectorXd q = probabilities(p, b);
    const int64_t y = p.data.labels[b];
    r.loss += -std::log(q[y]) / p.B;
    const Eigen::MatrixXd h = Eigen::MatrixXd(q.asDiagonal()) - q * q.transpose();
    for (int64_t c = 0; c < p.C; ++c) {
      r.grad[p.index(b, c)] = (q[c] - (c == y ? 1.0 : 0.0)) / p.B;
      for (int64_t d = 0; d < p.C; ++d) r.hess(p.index(b, c), p.index(b, d)) = h(c, d) / p.B;
    }
  }
  return r;
}

Reference mse_reference(const LossProblem& p) {
  const int64_t P = p.B * p.C;
  Reference r{0, Eigen::VectorXd::Zero(P), Eigen::MatrixXd::Identity(P, P) * (2.0 / p.C / p.B)};
  for (int64_t b = 0; b < p.B; ++b) {
    for (int64_t c = 0; c < p.C; ++c) {
      const double res = p.z(b, c) - target(p, b, c);
      r.loss += res * res / p.C / p.B;
      r.grad[p.index(b, c)] = 2.0 * res / p.C / p.B;
    }
  }
  return r;
}

// The engine's loss, gradient and dense Hessian (and GGN) of a problem, in double.
struct Engine {
  double loss;
  Eigen::VectorXd grad;
  Eigen::MatrixXd hess, ggn;
};

Engine engine(Objective& obj) {
  Engine e{0, Eigen::VectorXd(obj.num_params()), {}, {}};
  e.loss = obj.gradient(e.grad.data()).loss;
  e.hess = assemble_dense(ObjectiveOperator(obj, Curvature::Hessian));
  e.ggn = assemble_dense(ObjectiveOperator(obj, Curvature::GGN));
  return e;
}

void check_against(const LossProblem& p, const Reference& ref) {
  auto obj = double_objective(p.model, p.data, 2);  // batches of 2, a partial last one
  const Engine e = engine(*obj);
  CHECK(e.loss == doctest::Approx(ref.loss).epsilon(kExactTol));
  CHECK(rel_err(e.grad, ref.grad) < kExactTol);
  CHECK(rel_err(e.hess, ref.hess) < kExactTol);
  CHECK(rel_err(e.ggn, ref.hess) < kExactTol);  // logits linear in θ: GGN = Hessian
  CHECK(rel_err(e.grad, fd_gradient(*obj, p.model.theta)) < kFdRelTol);
  CHECK(rel_err(e.hess, fd_hessian(*obj, p.model.theta)) < kFdRelTol);

  ObjectiveOptions o;
  o.batch_size = 2;
  auto f = make_objective(p.model.graph, p.data, all_rows(p.data.size()), o, Precision::F32);
  f->set_parameters(p.model.theta);
  CHECK(f->value().loss == doctest::Approx(ref.loss).epsilon(kFloatTol));
  const Eigen::MatrixXd hf = assemble_dense(ObjectiveOperator(*f, Curvature::Hessian));
  CHECK(rel_err(hf, ref.hess) < kFloatTol);
}

// Runs one batch of all samples through an evaluation context, bypassing the objective's data
// check.
void run_context(const LossProblem& p) {
  EvalContext<double> ctx(p.model.graph);
  ctx.set_parameters(p.model.theta.data());
  const std::vector<int64_t> rows = all_rows(p.data.size());
  ctx.set_batch(p.data, rows.data(), p.data.size());
  ctx.run(EvalRequest{}, {});
}

}  // namespace

TEST_CASE("cross_entropy: loss, gradient p − e_y and Hessian diag(p) − p pᵀ") {
  for (const LossProblem& p : {make_problem(LossKind::CrossEntropy, 5, 4, 1),
                               make_problem(LossKind::CrossEntropy, 3, 2, 2)}) {
    check_against(p, cross_entropy_reference(p));
  }
}

TEST_CASE("cross_entropy is stable for large logits") {
  LossProblem p = make_problem(LossKind::CrossEntropy, 3, 3, 3);
  for (double& t : p.model.theta) t *= 400.0;
  check_against(p, cross_entropy_reference(p));
}

TEST_CASE("mse with real targets: loss, gradient (2/C) r and Hessian (2/C) I") {
  const LossProblem p = make_problem(LossKind::Mse, 5, 3, 4, true);
  check_against(p, mse_reference(p));
}

TEST_CASE("mse with class labels equals mse with one-hot targets") {
  const LossProblem labels = make_problem(LossKind::Mse, 5, 3, 5);
  check_against(labels, mse_reference(labels));
  LossProblem onehot = make_problem(LossKind::Mse, 5, 3, 5, true);
  onehot.model.theta = labels.model.theta;
  for (int64_t b = 0; b < 5; ++b) {
    for (int64_t c = 0; c < 3; ++c)
      onehot.data.targets[b * 3 + c] = labels.data.labels[b] == c ? 1.0f : 0.0f;
  }
  auto a = double_objective(labels.model, labels.data);
  auto b = double_objective(onehot.model, onehot.data);
  const Engine ea = engine(*a), eb = engine(*b);
  CHECK(ea.loss == doctest::Approx(eb.loss).epsilon(kExactTol));
  CHECK(rel_err(ea.grad, eb.grad) < kExactTol);
  CHECK(rel_err(ea.hess, eb.hess) < kExactTol);
}

TEST_CASE("a label out of range is an error") {
  for (LossKind loss : {LossKind::CrossEntropy, LossKind::Mse}) {
    CAPTURE(name_of(loss));
    for (int64_t bad : {int64_t{3}, int64_t{-1}}) {
      LossProblem p = make_problem(loss, 4, 3, 6);
      p.data.labels[2] = bad;
      const std::string label = "label " + std::to_string(bad);
      // The loss op itself refuses it ...
      CHECK_THROWS_WITH_AS(run_context(p), doctest::Contains(label.c_str()), std::invalid_argument);
      // ... and the objective checks the data before any pass.
      CHECK_THROWS_WITH_AS(double_objective(p.model, p.data), doctest::Contains(label.c_str()),
                           std::invalid_argument);
    }
  }
}

TEST_CASE("losses refuse shapes that do not fit, naming the node") {
  GraphBuilder ce({2, 3});
  const int y3 = ce.linear(ce.input(), 3, 4, "fc");  // [B, 2, 4]: not [batch, classes]
  CHECK_THROWS_WITH_AS(
      ce.finish(y3, LossKind::CrossEntropy, 1),
      doctest::Contains("node 'loss' (cross_entropy): logits must be [batch, classes]"),
      std::invalid_argument);
  GraphBuilder mse({3});
  mse.set_targets(5);
  const int y = mse.linear(mse.input(), 3, 4, "fc");
  CHECK_THROWS_WITH_AS(
      mse.finish(y, LossKind::Mse, 1),
      doctest::Contains("node 'loss' (mse): targets [2, 5] do not match predictions [2, 4]"),
      std::invalid_argument);
}
