#pragma once
// One objective's loss, gradient and Hessian products for a set of directions, for tests that
// compare objectives evaluated differently (batch sizes, threads, compute batches).

#include <Eigen/Core>

#include "engine/objective.h"

namespace hess::test {

struct Products {
  double loss = 0;
  Eigen::VectorXd grad;
  Eigen::MatrixXd hv;  // H V, one column per direction
};

// The gradient pass (with the loss), then one Hessian product of V's columns.
Products products(Objective& obj, const Eigen::MatrixXd& V);

}  // namespace hess::test
