#pragma once
// The dense curvature matrix of the model and analysis set a command line would open, for the
// command-line tests of the spectral commands: the test runs `hessian eigen --arch ... --json` and
// compares with an eigendecomposition of this matrix.
//
//   hess::runs::Inputs o;
//   o.arch = "mlp:4-6-3:tanh"; o.samples = 64;
//   hess::test::DenseReference ref = hess::test::dense_reference(o, hess::Curvature::Hessian);
//   ref.H(0, 0); ref.block_offset("fc2.weight");

#include <Eigen/Core>
#include <string>

#include "engine/autodiff.h"
#include "runs/workspace.h"

namespace hess::test {

struct DenseReference {
  Eigen::MatrixXd H;                                                        // P x P, symmetrised
  std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>> blocks;  // name, (offset, size)
  // The principal submatrix of the blocks whose names start with `prefix`.
  Eigen::MatrixXd sub(const std::string& prefix) const;
};

DenseReference dense_reference(const runs::Inputs& o, Curvature kind);

}  // namespace hess::test
