#include "support/least_squares.h"

#include <Eigen/Cholesky>
#include <string>

#include "engine/arch.h"
#include "engine/curvature_operator.h"
#include "support/fd_check.h"

namespace hess::test {

LeastSquares least_squares_problem(int64_t inputs, int64_t outputs, int64_t samples,
                                   uint64_t seed) {
  ArchOptions a;
  a.loss = LossKind::Mse;
  a.seed = seed;
  LeastSquares p;
  p.model = build_arch("mlp:" + std::to_string(inputs) + "-" + std::to_string(outputs), a);
  p.data = random_dataset(p.model.graph, samples, outputs, seed + 1);
  auto obj = double_objective(p.model, p.data);
  ObjectiveOperator H(*obj, Curvature::Hessian);
  p.hessian = assemble_dense(H);
  Eigen::VectorXd g(obj->num_params());
  obj->gradient(g.data());
  const Eigen::VectorXd step = p.hessian.ldlt().solve(g);
  for (int64_t i = 0; i < obj->num_params(); ++i) p.model.theta[i] -= step(i);
  obj->set_parameters(p.model.theta);
  p.loss = obj->value().loss;
  return p;
}

}  // namespace hess::test
