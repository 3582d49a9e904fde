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

}  // namespace hess::test
