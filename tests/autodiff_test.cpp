// Whole-model derivative tests of engine/autodiff: gradient, HVP, JVP and GGN against finite
// differences and dense assemblies, for every architecture family (each ≤ 3,000 parameters).
#include <doctest/doctest.h>

#include <Eigen/Eigenvalues>
#include <iterator>
#include <string>
#include <vector>

#include "engine/arch.h"
#include "engine/curvature_operator.h"
#include "engine/random.h"
#include "support/curvature_fixture.h"
#include "support/fd_check.h"

using namespace hess;
using namespace hess::test;

namespace {

struct Case {
  const char* name;
  const char* spec;
  int64_t samples;
  int64_t classes;
  int64_t id_range;  // token ids for the transformer
};

// ≤ 3,000 parameters each.
const Case kCases[] = {
    {"mlp-tanh", "mlp:6-12-10-4:tanh", 9, 4, 0},
    {"mlp-gelu-sigmoid", "mlp:5-8-3:gelu", 7, 3, 0},
    {"cnn-tanh", "cnn:1x8x8-c4k3-pool2-c6k3p1-gap-5:tanh", 6, 5, 0},  // 297 parameters
    {"transformer", "transformer:s4-v7-d8-h2-f16-3", 5, 3, 7},        // 715 parameters
    // 363 parameters; smooth activation: ReLU kinks sit at exact zeros here
    {"resnet-batchnorm", "resnet:1x6x6-w4-b1-3:tanh", 5, 3, 0},
};

Model make(const Case& c, LossKind loss = LossKind::CrossEntropy) {
  ArchOptions o;
  o.seed = 7;
  o.loss = loss;
  Model m = build_arch(c.spec, o);
  perturb_norms(m, 8);
  return m;
}

}  // namespace

TEST_CASE("gradient, HVP and JVP match central finite differences") {
  for (const Case& c : kCases) {
    for (LossKind loss : {LossKind::CrossEntropy, LossKind::Mse}) {
      CAPTURE(std::string(c.name));
      CAPTURE(name_of(loss));
      Model m = make(c, loss);
      const Dataset d = random_dataset(m.graph, c.samples, c.classes, 11, c.id_range);
      auto obj = double_objective(m, d, 4);  // several batches, a partial last one
      const int64_t P = obj->num_params();
      CHECK(P <= 3000);

      Eigen::VectorXd g(P);
      obj->gradient(g.data());
      CHECK(rel_err(g, fd_gradient(*obj, m.theta)) < kFdRelTol);

      const Eigen::VectorXd v = random_vector(P, 3);
      Eigen::VectorXd hv(P);
      obj->curvature(v.data(), 1, hv.data(), Curvature::Hessian);
      CHECK(rel_err(hv, fd_hvp(*obj, m.theta, v)) < kFdRelTol);

      CHECK(rel_err(engine_jvp(m, d, v), fd_jvp(m, d, v)) < kFdRelTol);
    }
  }
}

TEST_CASE("dense Hessian from HVPs equals the finite-difference Hessian and is symmetric") {
  for (const Case& c : kCases) {
    CAPTURE(std::string(c.name));
    Model m = make(c);
    const Dataset d = random_dataset(m.graph, c.samples, c.classes, 5, c.id_range);
    auto obj = double_objective(m, d, 3);
    ObjectiveOperator H(*obj, Curvature::Hessian);
    const Eigen::MatrixXd A = assemble_dense(H);
    const Eigen::MatrixXd F = fd_hessian(*obj, m.theta);
    CHECK(rel_err(A, F) < kFdRelTol);
    CHECK((A - A.transpose()).norm() <= 1e-12 * A.norm());

    const Eigen::VectorXd u = random_vector(A.rows(), 1), v = random_vector(A.rows(), 2);
    Eigen::VectorXd hu(A.rows()), hv(A.rows());
    H.perform_op(u.data(), hu.data());
    H.perform_op(v.data(), hv.data());
    CHECK(std::abs(u.dot(hv) - v.dot(hu)) <= 1e-12 * std::abs(u.dot(hv)) + 1e-14);
  }
}

TEST_CASE("GGN equals Jᵀ H_L J assembled densely and is positive semidefinite") {
  for (const Case& c : kCases) {
    for (LossKind loss : {LossKind::CrossEntropy, LossKind::Mse}) {
      CAPTURE(std::string(c.name));
      CAPTURE(name_of(loss));
      Model m = make(c, loss);
      const Dataset d = random_dataset(m.graph, c.samples, c.classes, 8, c.id_range);
      auto obj = double_objective(m, d, 4);
      ObjectiveOperator G(*obj, Curvature::GGN);
      const Eigen::MatrixXd A = assemble_dense(G);
      const Eigen::MatrixXd J = fd_jacobian(m, d);
      const Eigen::MatrixXd ref = J.transpose() * loss_output_hessian(m, d) * J;
      CHECK(rel_err(A, ref) < kFdRelTol);
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es((A + A.transpose()) / 2);
      CHECK(es.eigenvalues().minCoeff() >= -1e-12 * es.eigenvalues().cwiseAbs().maxCoeff());
    }
  }
}

TEST_CASE("k-column products equal k single products") {
  for (const Case& c : kCases) {
    for (Curvature kind : {Curvature::Hessian, Curvature::GGN}) {
      CAPTURE(std::string(c.name));
      Model m = make(c);
      const Dataset d = random_dataset(m.graph, c.samples, c.classes, 4, c.id_range);
      auto obj = double_objective(m, d, 4);
      const int64_t P = obj->num_params();
      const int k = 5;
      Eigen::MatrixXd V(P, k), block(P, k), single(P, k);
      for (int j = 0; j < k; ++j) V.col(j) = random_vector(P, 100 + j);
      obj->curvature(V.data(), k, block.data(), kind);
      for (int j = 0; j < k; ++j) obj->curvature(V.col(j).data(), 1, single.col(j).data(), kind);
      CHECK(rel_err(block, single) < 1e-13);
    }
  }
}

TEST_CASE("float agrees with double to float precision") {
  for (const Case& c : kCases) {
    CAPTURE(std::string(c.name));
    Model m = make(c);
    const Dataset d = random_dataset(m.graph, c.samples, c.classes, 9, c.id_range);
    const PrecisionPair pair = float_and_double(m, d, 4);
    Objective* f = pair.f32.get();
    Objective* g = pair.f64.get();
    const int64_t P = g->num_params();
    CHECK(std::abs(f->value().loss - g->value().loss) < 1e-5 * std::abs(g->value().loss));
    Eigen::VectorXd gf(P), gd(P), hf(P), hd(P);
    f->gradient(gf.data());
    g->gradient(gd.data());
    CHECK(rel_err(gf, gd) < 1e-5);
    const Eigen::VectorXd v = random_vector(P, 12);
    f->curvature(v.data(), 1, hf.data(), Curvature::Hessian);
    g->curvature(v.data(), 1, hd.data(), Curvature::Hessian);
    CHECK(rel_err(hf, hd) < 1e-4);
  }
}

TEST_CASE("an HVP alone skips adjoints no curvature term needs and still equals the full one") {
  // ReLU networks have curvature terms only in bilinear layers whose input and weight both vary,
  // so an HVP skips the adjoints below the second layer; computing the gradient alongside forces
  // every adjoint. Both must give the same H v, and it must match finite differences.
  const Case relu_cases[] = {
      {"mlp-relu", "mlp:6-12-10-4:relu", 9, 4, 0},
      {"cnn-relu", "cnn:1x8x8-c4k3-pool2-c6k3p1-gap-5:relu", 6, 5, 0},
      {"cnn-relu-linear-head", "cnn:1x6x6-c3k3-pool2-4:relu", 5, 4, 0},
  };
  std::vector<Case> cases(std::begin(kCases), std::end(kCases));
  cases.insert(cases.end(), std::begin(relu_cases), std::end(relu_cases));
  for (const Case& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    Model m = make(c);
    const Dataset d = random_dataset(m.graph, c.samples, c.classes, 13, c.id_range);
    const int64_t P = m.graph.num_params();
    const int k = 3;
    Eigen::MatrixXd V(P, k);
    for (int j = 0; j < k; ++j) V.col(j) = random_vector(P, 40 + j);
    const std::vector<int64_t> rows = all_rows(d.size());
    EvalContext<double> ctx(m.graph);
    ctx.set_parameters(m.theta.data());
    ctx.set_batch(d, rows.data(), d.size());
    EvalRequest req;
    req.directions = V.data();
    req.k = k;
    req.curvature = true;
    req.scale = 1.0 / static_cast<double>(d.size());  // the objective's mean
    Eigen::MatrixXd alone = Eigen::MatrixXd::Zero(P, k), with_grad = Eigen::MatrixXd::Zero(P, k);
    ctx.run(req, {nullptr, alone.data()});
    req.gradient = true;
    Eigen::VectorXd g = Eigen::VectorXd::Zero(P);
    ctx.run(req, {g.data(), with_grad.data()});
    CHECK(rel_err(alone, with_grad) < 1e-13);

    auto obj = double_objective(m, d);
    CHECK(rel_err(Eigen::VectorXd(alone.col(0)), fd_hvp(*obj, m.theta, V.col(0))) < kFdRelTol);
  }
}

namespace {

// Exact GGN diagonals against the dense GGN, relative to its largest entry.
constexpr double kExactDiagTol = 1e-10;

double max_rel_err(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  return (a - b).cwiseAbs().maxCoeff() / b.cwiseAbs().maxCoeff();
}

}  // namespace

TEST_CASE("exact GGN diagonal equals the diagonal of Jᵀ H_L J from per-sample forward Jacobians") {
  struct Problem {
    std::string name;
    Model model;
    int64_t classes, id_range;
  };
  std::vector<Problem> problems;
  for (const Case& c : kCases) {
    for (LossKind loss : {LossKind::CrossEntropy, LossKind::Mse})
      problems.push_back({std::string(c.name) + "/" + std::string(name_of(loss)), make(c, loss),
                          c.classes, c.id_range});
  }
  problems.push_back({"cnn-maxpool-batchnorm-relu", maxpool_bn_cnn(OpKind::Relu, 3), 5, 0});
  problems.push_back({"cnn-maxpool-batchnorm-tanh", maxpool_bn_cnn(OpKind::Tanh, 4), 5, 0});
  for (const Problem& p : problems) {
    CAPTURE(p.name);
    const Model& m = p.model;
    const Dataset d = random_dataset(m.graph, 7, p.classes, 21, p.id_range);
    const Eigen::MatrixXd J = forward_jacobian(m, d);  // rows: (sample, output)
    const Eigen::VectorXd ref =
        (J.transpose() * loss_output_hessian(m, d) * J).diagonal();  // block diagonal H_L / N
    for (int64_t batch : {int64_t{3}, int64_t{64}}) {
      auto obj = double_objective(m, d, batch);
      Eigen::VectorXd diag(obj->num_params());
      obj->ggn_diagonal(diag.data());
      CHECK(max_rel_err(diag, ref) < kExactDiagTol);
      ObjectiveOperator G(*obj, Curvature::GGN);
      CHECK(max_rel_err(diag, assemble_dense(G).diagonal()) < kExactDiagTol);
    }
  }
}

TEST_CASE("exact GGN diagonal: threads, weight decay and float") {
  const Model m = make(kCases[0]);
  const Dataset d = random_dataset(m.graph, 9, 4, 22);
  const int64_t P = m.graph.num_params();
  ObjectiveOptions o;
  o.batch_size = 2;
  o.weight_decay = 0.25;
  Eigen::VectorXd one(P), two(P), single(P);
  auto a = make_objective(m.graph, d, all_rows(d.size()), o, Precision::F64);
  a->set_parameters(m.theta);
  a->ggn_diagonal(one.data());
  o.threads = 2;
  auto b = make_objective(m.graph, d, all_rows(d.size()), o, Precision::F64);
  b->set_parameters(m.theta);
  b->ggn_diagonal(two.data());
  CHECK(max_rel_err(two, one) < 1e-14);
  ObjectiveOperator G(*b, Curvature::GGN);
  CHECK(max_rel_err(one, assemble_dense(G).diagonal()) < kExactDiagTol);  // λ on both
  auto f = make_objective(m.graph, d, all_rows(d.size()), o, Precision::F32);
  f->set_parameters(m.theta);
  f->ggn_diagonal(single.data());
  CHECK(max_rel_err(single, one) < 1e-5);
  CHECK(b->counters().diagonals == 1);
}

TEST_CASE("the residual product is H v − G v, without the weight decay") {
  for (const Case& c : kCases) {
    CAPTURE(std::string(c.name));
    const Model m = make(c);
    const Dataset d = random_dataset(m.graph, c.samples, c.classes, 23, c.id_range);
    ObjectiveOptions o;
    o.batch_size = 4;
    o.weight_decay = 0.1;
    auto obj = make_objective(m.graph, d, all_rows(d.size()), o, Precision::F64);
    obj->set_parameters(m.theta);
    const int64_t P = obj->num_params();
    Eigen::MatrixXd V(P, 2), H(P, 2), G(P, 2), R(P, 2);
    V.col(0) = random_vector(P, 61);
    V.col(1) = random_vector(P, 62);
    obj->curvature(V.data(), 2, H.data(), Curvature::Hessian);
    obj->curvature(V.data(), 2, G.data(), Curvature::GGN);
    obj->residual(V.data(), 2, R.data());
    CHECK(rel_err(R, Eigen::MatrixXd(H - G)) < 1e-11);
  }
}

TEST_CASE("float curvature decides its gates in double: a ReLU whose input float rounds to 0") {
  // One hidden unit's pre-activation is w·x + b = (1 + 1e-8)·1 − 1 = 1e-8 > 0 in double; in float,
  // w rounds to 1 and it is 0, so an all-float value pass closes the gate and drops every path
  // through the unit (its HVP column for fc1 is then O(1) off). The value pass in double keeps it
  // open: float products and GGN diagonals equal double's to float precision.
  ArchOptions ao;
  ao.seed = 3;
  Model m = build_arch("mlp:1-2-2:relu", ao);
  const std::vector<Block>& blocks = m.graph.blocks;
  REQUIRE(blocks.size() == 4);  // fc1.weight [2, 1], fc1.bias [2], fc2.weight [2, 2], fc2.bias
  const std::vector<double> theta = {1.0 + 1e-8, 1.0 - 1e-8, -1.0, -1.0, 0.5,
                                     -0.3,       0.2,        0.7,  0.1,  -0.1};
  REQUIRE(static_cast<int64_t>(theta.size()) == m.graph.num_params());
  m.theta = theta;
  Dataset d;
  d.sample_shape = {1};
  d.x = {1.0f, 1.0f, 1.0f};
  d.labels = {0, 1, 0};
  const PrecisionPair pair = float_and_double(m, d, 2);
  Objective* f = pair.f32.get();
  Objective* g = pair.f64.get();
  const int64_t P = g->num_params();
  Eigen::VectorXd hf(P), hd(P), df = Eigen::VectorXd::Zero(P), dd = Eigen::VectorXd::Zero(P);
  const Eigen::VectorXd v = Eigen::VectorXd::Ones(P);
  for (Curvature kind : {Curvature::Hessian, Curvature::GGN}) {
    CAPTURE(name_of(kind));
    f->curvature(v.data(), 1, hf.data(), kind);
    g->curvature(v.data(), 1, hd.data(), kind);
    CHECK(std::abs(hd(0)) > 0.01);  // the open unit's weight: curvature far above rounding
    CHECK(rel_err(hf, hd) < 1e-6);
  }
  f->ggn_diagonal(df.data());
  g->ggn_diagonal(dd.data());
  CHECK(dd(0) > 0.01);
  CHECK(rel_err(df, dd) < 1e-6);
}
