#include "support/curvature_fixture.h"

#include <Eigen/QR>
#include <limits>

#include "engine/arch.h"
#include "engine/random.h"
#include "support/fd_check.h"

namespace hess::test {

ModelProblem model_problem(const std::string& spec, int64_t samples, int64_t classes, uint64_t seed,
                           Precision precision, LossKind loss) {
  ModelProblem p;
  ArchOptions a;
  a.seed = seed;
  a.loss = loss;
  p.model = build_arch(spec, a);
  p.data = random_dataset(p.model.graph, samples, classes, seed + 1);
  {
    auto reference = double_objective(p.model, p.data);
    ObjectiveOperator H(*reference, Curvature::Hessian);
    const Eigen::MatrixXd A = assemble_dense(H);
    p.dense = (A + A.transpose()) / 2;
  }
  p.eigenvalues =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(p.dense, Eigen::EigenvaluesOnly).eigenvalues();
  ObjectiveOptions o;
  o.batch_size = 1 << 30;
  p.objective = make_objective(p.model.graph, p.data, all_rows(samples), o, precision);
  p.objective->set_parameters(p.model.theta);
  p.hessian = std::make_unique<ObjectiveOperator>(*p.objective, Curvature::Hessian);
  return p;
}

ModelProblem indefinite_mlp(Precision precision) {
  return model_problem("mlp:8-24-24-4:tanh", 64, 4, 3, precision);
}

ModelProblem indefinite_cnn(Precision precision) {
  return model_problem("cnn:1x8x8-c6k3-pool2-c8k3p1-10:tanh", 32, 10, 4, precision);
}

void poison_parameter(ModelProblem& p, int64_t index) {
  std::vector<double> theta = p.model.theta;
  theta.at(index) = std::numeric_limits<double>::quiet_NaN();
  p.objective->set_parameters(theta);
}

Eigen::MatrixXd matrix_with_spectrum(const Eigen::VectorXd& eigenvalues, uint64_t seed) {
  const Eigen::Index n = eigenvalues.size();
  Rng rng(seed);
  Eigen::MatrixXd G(n, n);
  for (Eigen::Index i = 0; i < G.size(); ++i) G.data()[i] = rng.normal();
  const Eigen::MatrixXd Q = Eigen::HouseholderQR<Eigen::MatrixXd>(G).householderQ();
  const Eigen::MatrixXd A = Q * eigenvalues.asDiagonal() * Q.transpose();
  return (A + A.transpose()) / 2;
}

void perturb_norms(Model& m, uint64_t seed) {
  constexpr double kSpread = 0.3;  // of the norm parameters and running statistics
  Rng rng(seed);
  for (const Block& b : m.graph.blocks) {
    if (b.role != BlockRole::Norm) continue;
    for (int64_t i = 0; i < b.size(); ++i) m.theta[b.offset + i] += kSpread * rng.normal();
  }
  for (const Node& n : m.graph.nodes) {
    if (n.op != OpKind::BatchNorm) continue;
    for (double& mean : m.graph.constants[m.graph.nodes[n.inputs[3]].constant])
      mean = kSpread * rng.normal();
    for (double& var : m.graph.constants[m.graph.nodes[n.inputs[4]].constant])
      var = 0.5 + rng.uniform();
  }
}

Model maxpool_bn_cnn(OpKind activation, uint64_t seed) {
  GraphBuilder b({1, 8, 8});
  int h = b.conv2d(b.input(), 1, 4, 3, 1, 1, "conv1");
  h = b.activation(b.batch_norm(h, 4, "bn1"), activation);
  h = b.max_pool(h, 2, 2);
  h = b.activation(b.conv2d(h, 4, 6, 3, 1, 0, "conv2"), activation);
  h = b.linear(b.flatten(h), 24, 5, "fc");
  Model m = b.finish(h, LossKind::CrossEntropy, seed);
  perturb_norms(m, seed + 1);
  return m;
}

}  // namespace hess::test
